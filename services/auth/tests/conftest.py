"""Fixtures of the auth service's tests: a signed-up organisation owner and API helpers."""

from __future__ import annotations

import itertools

import pytest
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


def register(client: APIClient | None = None, **overrides) -> dict:
    payload = signup_payload(**overrides)
    response = (client or APIClient()).post("/api/auth/register/", payload, format="json")
    assert response.status_code == 201, response.content
    return {**response.json(), "email": payload["email"], "password": payload["password"]}


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
