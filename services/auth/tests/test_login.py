"""Login: tokens with the user's claims, refusals counted and published, and the lockout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from identity.models import User
from rest_framework_simplejwt.tokens import AccessToken

from tests.conftest import PASSWORD, login
from wanzo_common.events.testing import assert_published
from wanzo_common.monitoring.testing import assert_metric_delta

pytestmark = pytest.mark.django_db


def _attempts(status: str, user_type: str = "sme_owner"):
    return assert_metric_delta(
        "login_attempts_total", 1, status=status, user_type=user_type, auth_method="password"
    )


def _failures(reason: str, delta: int = 1):
    return assert_metric_delta("auth_failures_total", delta, reason=reason, auth_method="password")


def test_login_returns_tokens_with_the_users_claims(owner, events_outbox):
    with _attempts("success"):
        response = login(owner["email"].upper())
    assert response.status_code == 200
    body = response.json()
    token = AccessToken(body["access"])
    user = User.objects.get(email=owner["email"])
    assert token["user_id"] == str(user.id)
    assert token["role"] == "SME_OWNER"
    assert token["org"] == str(user.organization_id)
    [event] = assert_published("auth.login_succeeded", userId=str(user.id))
    assert event.data["authMethod"] == "password"
    assert event.data["sessionId"] == token["sid"]
    assert event.data["userType"] == "SME_OWNER"
    user.refresh_from_db()
    assert user.last_login is not None


def test_wrong_password_is_refused_counted_and_published(owner, events_outbox):
    with _attempts("failure"), _failures("invalid_credentials"):
        response = login(owner["email"], "wrong-password")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    user = User.objects.get(email=owner["email"])
    [event] = assert_published("auth.login_failed", userId=str(user.id))
    assert event.data == {**event.data, "reason": "invalid_credentials", "attempt": 1}


def test_unknown_address_gets_the_same_answer_and_no_user_id(owner, events_outbox):
    with _attempts("failure", user_type="unknown"), _failures("unknown_user"):
        response = login("nobody@example.com", "wrong-password")
    assert response.status_code == 401
    assert response.json() == login(owner["email"], "wrong-password").json()
    [event, _] = events_outbox.of_type("auth.login_failed")
    assert event.data["reason"] == "unknown_user" and "userId" not in event.data


def test_lockout_after_repeated_failures_is_visible_in_the_error(owner, events_outbox):
    for _ in range(4):
        assert login(owner["email"], "wrong-password").status_code == 401
    response = login(owner["email"], "wrong-password")  # the fifth: locks
    assert response.status_code == 423
    body = response.json()
    assert body["code"] == "account_locked"
    user = User.objects.get(email=owner["email"])
    assert user.locked_until and body["locked_until"] == user.locked_until.isoformat().replace(
        "+00:00", "Z"
    )
    assert 14 * 60 < body["retry_after"] <= 15 * 60
    assert response["Retry-After"] == str(body["retry_after"])
    attempts = [event.data["attempt"] for event in events_outbox.of_type("auth.login_failed")]
    assert attempts == [1, 2, 3, 4, 5]


def test_a_locked_account_refuses_even_the_right_password(owner, events_outbox):
    for _ in range(5):
        login(owner["email"], "wrong-password")
    with _attempts("locked"), _failures("account_locked"):
        response = login(owner["email"])
    assert response.status_code == 423 and response.json()["code"] == "account_locked"
    assert_published("auth.login_failed", reason="account_locked")
    assert_published("auth.login_succeeded", count=0)


def test_the_lockout_ends_and_a_success_resets_the_counter(owner):
    for _ in range(5):
        login(owner["email"], "wrong-password")
    User.objects.filter(email=owner["email"]).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert login(owner["email"]).status_code == 200
    user = User.objects.get(email=owner["email"])
    assert user.failed_login_count == 0 and user.locked_until is None


def test_lockout_threshold_and_duration_are_settings(owner, settings):
    settings.WANZO_AUTH = {"LOCKOUT_THRESHOLD": 2, "LOCKOUT_MINUTES": 1}
    assert login(owner["email"], "wrong-password").status_code == 401
    response = login(owner["email"], "wrong-password")
    assert response.status_code == 423
    assert 0 < response.json()["retry_after"] <= 60


def test_success_between_failures_starts_the_count_again(owner):
    for _ in range(4):
        login(owner["email"], "wrong-password")
    assert login(owner["email"]).status_code == 200
    for _ in range(4):
        assert login(owner["email"], "wrong-password").status_code == 401


def test_a_deactivated_user_is_refused_with_account_disabled(owner, events_outbox):
    User.objects.filter(email=owner["email"]).update(is_active=False)
    with _attempts("failure"), _failures("account_disabled"):
        response = login(owner["email"])
    assert response.status_code == 403 and response.json()["code"] == "account_disabled"
    assert_published("auth.login_failed", reason="account_disabled")


def test_login_fields_are_checked(db):
    response = login("not-an-email", "")
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_the_password_is_not_trimmed(owner):
    assert login(owner["email"], f" {PASSWORD} ").status_code == 401


def test_a_login_that_meets_a_database_outage_is_a_503(db, client, monkeypatch):
    """Auth's own exception handler hands database errors to the common one (chaos soak)."""
    from django.db import OperationalError
    from identity import services

    def lost(**kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(services, "session_login", lost)
    response = client.post("/api/auth/login/", {"email": "a@b.test", "password": "x" * 12},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
