"""No personal data or secret in any log record of the auth flows."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from tests.conftest import bearer, login, register
from wanzo_common.events import publish

pytestmark = pytest.mark.django_db


def _texts(records) -> str:
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        parts.append(repr(getattr(record, "exc_text", "") or ""))
    return "\n".join(parts)


def test_no_email_password_or_token_is_logged(caplog, events_outbox):
    caplog.set_level(logging.DEBUG)
    owner = register(phone="+243 999 123 456")
    session = login(owner["email"]).json()
    login(owner["email"], "Wrong-secret-123")
    login("stranger@example.com", "Other-secret-456")
    APIClient().post("/api/auth/token/refresh/", {"refresh": session["refresh"]}, format="json")
    APIClient().post("/api/auth/token/refresh/", {"refresh": session["refresh"]}, format="json")
    bearer(owner["access"]).post(
        "/api/auth/users/",
        {"email": "clerk.p@example.com", "password": "Clerk-pass-789", "first_name": "A",
         "last_name": "B"},
        format="json",
    )  # fmt: skip
    publish("user.deleted", {"userId": owner["user"]["id"]})
    events_outbox.deliver()
    text = _texts(caplog.records)
    assert caplog.records, "the flows above log something (requests, events)"
    secrets = [
        owner["email"], owner["password"], "Wrong-secret-123", "stranger@example.com",
        "Other-secret-456", "clerk.p@example.com", "Clerk-pass-789", "+243 999 123 456",
        owner["access"], owner["refresh"], session["access"], session["refresh"],
    ]  # fmt: skip
    for secret in secrets:
        assert secret not in text, secret[:12]
