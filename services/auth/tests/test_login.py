"""Login: tokens with the user's claims, refusals counted and published, one answer for every
refusal, and the lockout per (address, client)."""

from __future__ import annotations

import pytest
from identity.models import User
from rest_framework.test import APIClient
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
    event = events_outbox.of_type("auth.login_succeeded")[-1]  # the fixture signed in first
    assert event.data["userId"] == str(user.id)
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


def test_a_disabled_account_answers_as_a_wrong_password(owner, events_outbox):
    """Even with the right password: the answer tells nothing (the event keeps the reason)."""
    User.objects.filter(email=owner["email"]).update(is_active=False)
    with _attempts("failure"), _failures("account_disabled"):
        response = login(owner["email"])
    assert response.status_code == 401
    assert response.json() == login("nobody@example.com", "wrong-password").json()
    assert_published("auth.login_failed", reason="account_disabled")
    assert_published("auth.login_succeeded", count=1)  # the fixture's own sign-in


def test_lockout_after_repeated_failures_refuses_even_the_right_password(owner, events_outbox):
    for _ in range(5):  # the fifth locks, answered as the others
        assert login(owner["email"], "wrong-password").status_code == 401
    with _attempts("locked"), _failures("account_locked"):
        response = login(owner["email"])
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "too_many_attempts"
    assert 14 * 60 < body["retry_after"] <= 15 * 60
    assert response["Retry-After"] == str(body["retry_after"])
    attempts = [event.data.get("attempt") for event in events_outbox.of_type("auth.login_failed")]
    assert attempts == [1, 2, 3, 4, 5, None]
    assert_published("auth.login_failed", reason="account_locked")
    assert_published("auth.login_succeeded", count=1)  # the fixture's own sign-in


def test_an_unknown_address_locks_the_same_way(owner):
    for email in (owner["email"], "nobody@example.com"):
        for _ in range(5):
            assert login(email, "wrong-password").status_code == 401
    known, unknown = login(owner["email"]), login("nobody@example.com")
    assert known.status_code == unknown.status_code == 429
    assert {**known.json(), "retry_after": 0} == {**unknown.json(), "retry_after": 0}


def test_a_lockout_is_per_client_so_nobody_locks_the_owner_out(owner):
    guesser = APIClient(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        guesser.post("/api/auth/login/", {"email": owner["email"], "password": "guess"})
    assert guesser.post("/api/auth/login/", {"email": owner["email"], "password": PASSWORD})\
        .status_code == 429  # fmt: skip
    assert login(owner["email"]).status_code == 200  # the owner, from another address


def test_a_success_starts_the_count_again(owner, settings):
    settings.WANZO_AUTH = {"LOCKOUT_THRESHOLD": 3}
    for _ in range(2):
        login(owner["email"], "wrong-password")
    assert login(owner["email"]).status_code == 200
    for _ in range(2):
        assert login(owner["email"], "wrong-password").status_code == 401
    assert login(owner["email"]).status_code == 200


def test_lockout_threshold_and_duration_are_settings(owner, settings):
    settings.WANZO_AUTH = {"LOCKOUT_THRESHOLD": 2, "LOCKOUT_MINUTES": 1}
    assert login(owner["email"], "wrong-password").status_code == 401
    assert login(owner["email"], "wrong-password").status_code == 401
    response = login(owner["email"])
    assert response.status_code == 429
    assert 0 < response.json()["retry_after"] <= 60


def test_login_fields_are_checked(db):
    response = login("not-an-email", "")
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_the_password_is_not_trimmed(owner):
    assert login(owner["email"], f" {PASSWORD} ").status_code == 401


def test_login_failed_events_carry_the_end_of_the_lock(owner, events_outbox):
    """Admin's directory shows the lock state from these events (``lockedUntil``).

    The lock is per (address, client) pair and lives in the cache (ADR 0014): the fifth wrong
    password locks the pair, the sixth attempt is refused as locked; both carry the lock's end.
    """
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    for _ in range(6):
        login(owner["email"], "wrong-password")
    events = events_outbox.of_type("auth.login_failed")
    ends = [event.data.get("lockedUntil") for event in events]
    assert ends[:4] == [None] * 4
    fifth, sixth = (parse_datetime(end) for end in ends[4:])
    assert fifth > timezone.now() and abs((sixth - fifth).total_seconds()) <= 2


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
