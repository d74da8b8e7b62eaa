"""Fixtures of the auth service's tests: a signed-up organisation owner and API helpers.

The throttle cache is emptied around every test (as Django empties ``mail.outbox``), so one
test's attempts never throttle the next.
"""

from __future__ import annotations

import itertools

import pytest
from django.core.cache import caches
from django.test import TestCase
from rest_framework.test import APIClient

PASSWORD = "Kivu-lake-2026!"
_numbers = itertools.count(1)


def unique_email(prefix: str = "owner") -> str:
    return f"{prefix}{next(_numbers)}@example.com"


def signup_payload(**overrides) -> dict:
    payload = {
        "email": unique_email(),
        "password": PASSWORD,
        "first_name": "Amani",
        "last_name": "Mukendi",
        "phone": "+243 810 000 001",
        "organization": {"name": "Duka Ltd", "country": "CD", "industry": "retail"},
    }
    payload.update(overrides)
    return payload


def committed():
    """Run what the request leaves for after its commit (the e-mails) when it returns: the
    test's own transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def register(client: APIClient | None = None, **overrides) -> dict:
    """Sign up (202), then sign in: ``access``, ``refresh``, ``user``, ``email``, ``password``."""
    payload = signup_payload(**overrides)
    with committed():
        response = (client or APIClient()).post("/api/auth/register/", payload, format="json")
    assert response.status_code == 202, response.content
    signed_in = login(payload["email"], payload["password"])
    assert signed_in.status_code == 200, signed_in.content
    return {**signed_in.json(), "email": payload["email"], "password": payload["password"]}


def login(email: str, password: str = PASSWORD):
    return APIClient().post(
        "/api/auth/login/", {"email": email, "password": password}, format="json"
    )


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def owner(db, events_outbox) -> dict:
    """A signed-up SME owner: ``access``, ``refresh``, ``user``, ``email``, ``password``."""
    return register()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _empty_throttle_cache():
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()
