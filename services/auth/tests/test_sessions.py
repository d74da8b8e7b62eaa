"""Sessions end and revocations reach auth's own API at once: a password change, a
deactivation, a deletion, a logout, the reuse of a rotated refresh token, the session lifetime."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from django.test import override_settings
from django.utils import timezone
from identity.models import User
from identity.tokens import token_pair_issue
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, bearer, login
from wanzo_common.api.conf import app_settings
from wanzo_common.api.testing import access_token
from wanzo_common.events import publish
from wanzo_common.events.testing import assert_published

pytestmark = pytest.mark.django_db


def refresh(token: str):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": token}, format="json")


def me(access: str) -> tuple[int, str | None]:
    response = bearer(access).get("/api/auth/me/")
    return response.status_code, response.json().get("code")


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def an_earlier_session(owner) -> dict:
    """A session of the owner whose tokens were issued a few seconds ago."""
    user = User.objects.get(pk=owner["user"]["id"])
    pair = token_pair_issue(user=user)
    back = timezone.now() - timedelta(seconds=5)
    # Its access token minted a few seconds earlier: revocations count whole seconds.
    access = access_token(
        user_id=str(user.id), role=user.role, organization_id=str(user.organization_id),
        session_id=pair.session_id, issued_at=back,
    )  # fmt: skip
    return {"access": access, "refresh": pair.refresh, "sid": pair.session_id}


def test_a_password_change_refuses_earlier_access_tokens_here_at_once(owner, events_outbox):
    earlier = an_earlier_session(owner)
    response = bearer(owner["access"]).post(
        "/api/auth/password/change/",
        {"old_password": PASSWORD, "new_password": "Another-long-passphrase-9"},
        format="json",
    )
    assert response.status_code == 200
    assert me(earlier["access"]) == (401, "token_revoked")
    assert me(response.json()["access"])[0] == 200
    assert_published("auth.password_changed", userId=owner["user"]["id"], method="change")


def test_a_deactivation_event_refuses_earlier_access_tokens(owner, events_outbox):
    earlier = an_earlier_session(owner)
    publish("user.status_changed", {"userId": owner["user"]["id"], "newStatus": "suspended",
                                    "previousStatus": "active"})  # fmt: skip
    events_outbox.deliver()
    assert me(earlier["access"]) == (401, "token_revoked")
    assert me(owner["access"])[0] == 401  # issued this second: refused too (rounded up)


def test_a_deleted_owner_cannot_list_the_organisations_users(owner, events_outbox):
    earlier = an_earlier_session(owner)
    assert bearer(earlier["access"]).get("/api/auth/users/").status_code == 200
    publish("user.deleted", {"userId": owner["user"]["id"]})
    events_outbox.deliver()
    assert bearer(earlier["access"]).get("/api/auth/users/").status_code == 401


def test_an_inactive_user_is_refused_even_without_a_revocation(owner):
    # The database check of auth's own authentication (a row changed by hand, or a token
    # issued in the same second as the revocation).
    User.objects.filter(pk=owner["user"]["id"]).update(is_active=False)
    assert me(owner["access"]) == (403, "account_disabled")
    assert bearer(owner["access"]).get("/api/auth/users/").status_code == 403


def test_logout_refuses_that_sessions_access_tokens_here_at_once(owner):
    session = login(owner["email"]).json()
    assert APIClient().post("/api/auth/logout/", {"refresh": session["refresh"]}, format="json")\
        .status_code == 204  # fmt: skip
    assert me(session["access"]) == (401, "token_revoked")
    assert me(owner["access"])[0] == 200  # the other session


def test_reusing_a_rotated_refresh_token_ends_the_whole_session(owner, events_outbox):
    other = login(owner["email"]).json()
    rotated = refresh(owner["refresh"]).json()  # the thief (or the victim) rotates first
    reused = refresh(owner["refresh"])  # the other one comes back with the old token
    assert reused.status_code == 401 and reused.json()["code"] == "token_revoked"
    [event] = assert_published("auth.session_revoked", userId=owner["user"]["id"])
    assert event.data["sessionId"] == claims(owner["refresh"])["sid"]
    assert event.data["reason"] == "refresh_token_reuse"
    assert refresh(rotated["refresh"]).status_code == 401  # the newer token is dead too
    assert me(rotated["access"]) == (401, "token_revoked")
    assert refresh(other["refresh"]).status_code == 200  # another session lives on
    assert refresh(owner["refresh"]).status_code == 401
    assert len(events_outbox.of_type("auth.session_revoked")) == 1  # ended once


def test_the_session_and_its_start_are_kept_through_rotations(owner):
    first = claims(owner["refresh"])
    pair = refresh(owner["refresh"]).json()
    again = refresh(pair["refresh"]).json()
    for token in (pair["refresh"], pair["access"], again["refresh"], again["access"]):
        assert claims(token)["sid"] == first["sid"]
        assert claims(token)["auth_time"] == first["auth_time"]
    assert jwt.get_unverified_header(again["access"])["kid"]


def test_no_token_outlives_the_session(owner):
    user = User.objects.get(pk=owner["user"]["id"])
    lifetime = int(app_settings.SESSION_LIFETIME.total_seconds())
    started = int(timezone.now().timestamp()) - lifetime + 60  # a minute of the session left
    pair = token_pair_issue(user=user, session_started=started)
    assert claims(pair.refresh)["exp"] == claims(pair.access)["exp"] == started + lifetime
    rotated = refresh(pair.refresh).json()
    assert claims(rotated["refresh"])["exp"] == started + lifetime
    over = token_pair_issue(user=user, session_started=started - 120)  # ended a minute ago
    response = refresh(over.refresh)
    assert response.status_code == 401 and response.json()["code"] == "token_not_valid"


def test_a_shorter_session_lifetime_ends_running_sessions_at_their_next_refresh(owner):
    with override_settings(WANZO_API={"SESSION_LIFETIME": timedelta(seconds=0)}):
        response = refresh(owner["refresh"])
    assert response.status_code == 401 and response.json()["code"] == "token_not_valid"


def test_tokens_issued_while_a_deactivation_was_on_its_way_are_ended_everywhere(
    owner, events_outbox
):
    publish("user.status_changed", {"userId": owner["user"]["id"], "newStatus": "inactive",
                                    "previousStatus": "active"})  # fmt: skip
    rotated = refresh(owner["refresh"]).json()  # auth has not applied the decision yet
    events_outbox.deliver()
    [ended] = assert_published("auth.session_revoked", reason="issued_after_revocation")
    assert ended.data["sessionId"] == claims(rotated["refresh"])["sid"]
    assert me(rotated["access"])[0] == 401
