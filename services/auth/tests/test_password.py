"""Password change: the old password required, validators as field errors, every session revoked."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.test import override_settings
from rest_framework.test import APIClient

from tests.conftest import bearer, login
from wanzo_common.api.testing import access_token
from wanzo_common.events.testing import assert_published
from wanzo_common.monitoring.testing import assert_metric_delta
from wanzo_common.settings import PASSWORD_HASHERS

pytestmark = pytest.mark.django_db
NEW = "Tanganyika-7-shore"


def change(access: str, old: str, new: str = NEW):
    return bearer(access).post(
        "/api/auth/password/change/", {"old_password": old, "new_password": new}, format="json"
    )


def refresh(token: str):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": token}, format="json")


def test_change_revokes_every_refresh_token_and_publishes(owner, events_outbox):
    other_session = login(owner["email"]).json()
    response = change(owner["access"], owner["password"])
    assert response.status_code == 200
    assert refresh(owner["refresh"]).status_code == 401
    assert refresh(other_session["refresh"]).status_code == 401
    assert refresh(response.json()["refresh"]).status_code == 200  # the new pair works
    user_id = owner["user"]["id"]
    [event] = assert_published("auth.password_changed", userId=user_id)
    assert event.data["method"] == "change" and event.data["changedBy"] == user_id
    assert login(owner["email"]).status_code == 401
    assert login(owner["email"], NEW).status_code == 200


def test_a_wrong_old_password_is_a_field_error_and_a_counted_failure(owner, events_outbox):
    with assert_metric_delta(
        "auth_failures_total", 1, reason="invalid_credentials", auth_method="password"
    ):
        response = change(owner["access"], "not-my-password")
    assert response.status_code == 400 and list(response.json()) == ["old_password"]
    assert_published("auth.password_changed", count=0)
    assert refresh(owner["refresh"]).status_code == 200  # nothing revoked


def test_guessing_the_old_password_locks_it_like_a_login(owner):
    for _ in range(5):
        assert change(owner["access"], "guess").status_code == 400
    response = change(owner["access"], owner["password"])
    assert response.status_code == 429 and response.json()["code"] == "too_many_attempts"
    assert login(owner["email"]).status_code == 429  # the same (address, client) pair


@pytest.mark.parametrize("new", ["short", "Kivu-2026!x", "12345678901234", "Kivu-lake-2026!"])
def test_the_new_password_is_validated(owner, new):
    response = change(owner["access"], owner["password"], new)
    assert response.status_code == 400 and list(response.json()) == ["new_password"]


def test_password_change_needs_a_token_of_a_user_here(db):
    assert APIClient().post("/api/auth/password/change/", {}, format="json").status_code == 401
    token = access_token(role="SME_OWNER", organization_id="org-x")
    assert change(token, "whatever-old", NEW).status_code == 401


def test_production_hasher_is_argon2_and_verifies():
    assert PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=PASSWORD_HASHERS):
        encoded = make_password(NEW)
        assert encoded.startswith("argon2$argon2id$")
        assert check_password(NEW, encoded) and not check_password("other", encoded)
    assert settings.PASSWORD_HASHERS != PASSWORD_HASHERS  # the suite itself hashes with MD5
