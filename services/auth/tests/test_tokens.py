"""Refresh rotation (a rotated token is refused) and logout (the refresh token is revoked)."""

from __future__ import annotations

import pytest
from identity.models import User
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.conftest import login
from wanzo_common.api.testing import access_token
from wanzo_common.events.testing import assert_published
from wanzo_common.monitoring.testing import assert_metric_delta

pytestmark = pytest.mark.django_db


def refresh(token: str):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": token}, format="json")


def logout(token: str):
    return APIClient().post("/api/auth/logout/", {"refresh": token}, format="json")


def _failures(reason: str):
    return assert_metric_delta("auth_failures_total", 1, reason=reason, auth_method="refresh_token")


def test_refresh_rotates_the_pair_and_keeps_the_session(owner):
    with assert_metric_delta("token_generation_total", 1, token_type="access"):
        with assert_metric_delta("token_generation_total", 1, token_type="refresh"):
            response = refresh(owner["refresh"])
    assert response.status_code == 200
    pair = response.json()
    assert pair["refresh"] != owner["refresh"]
    assert (
        RefreshToken(pair["refresh"])["sid"] == RefreshToken(owner["refresh"], verify=False)["sid"]
    )
    assert AccessToken(pair["access"])["role"] == "SME_OWNER"


def test_a_rotated_refresh_token_is_refused(owner):
    assert refresh(owner["refresh"]).status_code == 200
    with _failures("token_revoked"):
        response = refresh(owner["refresh"])
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_a_malformed_or_wrong_type_token_is_invalid(owner):
    with _failures("token_invalid"):
        assert refresh("garbage").status_code == 401
    with _failures("token_invalid"):
        assert refresh(owner["access"]).json()["code"] == "token_not_valid"


def test_a_refresh_token_for_a_user_not_here_is_invalid(db):
    token = RefreshToken()
    token["user_id"] = "3f0c8f7e-3c39-4c1b-9a56-1c1f5d0d1e11"
    with _failures("token_invalid"):
        assert refresh(str(token)).status_code == 401


def test_the_new_access_token_carries_the_current_role(owner):
    User.objects.filter(email=owner["email"]).update(role="SME_USER")
    pair = refresh(owner["refresh"]).json()
    assert AccessToken(pair["access"])["role"] == "SME_USER"


def test_a_deactivated_users_refresh_is_refused(owner):
    User.objects.filter(email=owner["email"]).update(is_active=False)
    with _failures("account_disabled"):
        response = refresh(owner["refresh"])
    assert response.status_code == 403


def test_logout_revokes_the_refresh_token_and_publishes(owner, events_outbox):
    session = login(owner["email"]).json()
    assert logout(session["refresh"]).status_code == 204
    [event] = assert_published("auth.logout", userId=session["user"]["id"])
    assert event.data["sessionId"] == AccessToken(session["access"])["sid"]
    with _failures("token_revoked"):
        assert refresh(session["refresh"]).status_code == 401
    with _failures("token_revoked"):
        assert logout(session["refresh"]).status_code == 401
    assert refresh(owner["refresh"]).status_code == 200  # another session is untouched


def test_logout_checks_its_field(db):
    response = APIClient().post("/api/auth/logout/", {}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["refresh"]


def test_me_answers_with_the_profile(owner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {owner['access']}")
    body = client.get("/api/auth/me/").json()
    assert body["email"] == owner["email"] and body["role"] == "SME_OWNER"
    assert body["organization"]["country"] == "CD"


def test_me_with_a_token_naming_no_user_here_is_401_not_500(db):
    client = APIClient()
    token = access_token(role="SME_OWNER", organization_id="org-1")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    with assert_metric_delta(
        "auth_failures_total", 1, reason="token_invalid", auth_method="access_token"
    ):
        assert client.get("/api/auth/me/").status_code == 401
    assert APIClient().get("/api/auth/me/").status_code == 401


def test_expired_refresh_tokens_are_flushed(owner):
    from datetime import timedelta

    from django.utils import timezone
    from identity.tasks import flush_expired_tokens
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    refresh(owner["refresh"])  # one blacklisted, one live
    OutstandingToken.objects.filter(jti=RefreshToken(owner["refresh"], verify=False)["jti"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert flush_expired_tokens.delay().get() == 1  # with its blacklist row
    assert OutstandingToken.objects.count() == 1
