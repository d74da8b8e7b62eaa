"""Events from the admin service: deactivation, reactivation, deletion and role changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from identity.models import User
from identity.services import user_status_apply
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.conftest import login, register
from wanzo_common.events import publish

pytestmark = pytest.mark.django_db

UNKNOWN = "0b7c1f7e-0000-4000-8000-00000000dead"


def deliver(events_outbox, type_name: str, **data):
    publish(type_name, data)
    return events_outbox.deliver()


def refresh(token: str):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": token}, format="json")


def status_changed(events_outbox, user_id: str, new: str, previous: str = "active"):
    return deliver(
        events_outbox, "user.status_changed", userId=user_id, newStatus=new, previousStatus=previous
    )


@pytest.mark.parametrize("status", ["inactive", "suspended"])
def test_deactivation_revokes_tokens_and_refuses_logins(owner, events_outbox, status):
    user_id = owner["user"]["id"]
    stats = status_changed(events_outbox, user_id, status)
    assert stats["handled"] == 1
    assert not User.objects.get(pk=user_id).is_active
    assert refresh(owner["refresh"]).status_code == 401
    response = login(owner["email"])  # answered as a wrong password: no account is told apart
    assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"
    [failed] = events_outbox.of_type("auth.login_failed")
    assert failed.data["reason"] == "account_disabled"


def test_reactivation_lets_the_user_log_in_again(owner, events_outbox):
    user_id = owner["user"]["id"]
    status_changed(events_outbox, user_id, "inactive")
    status_changed(events_outbox, user_id, "active", previous="inactive")
    assert User.objects.get(pk=user_id).is_active
    assert login(owner["email"]).status_code == 200


def test_an_older_status_event_arriving_late_changes_nothing(owner, events_outbox):
    user_id = owner["user"]["id"]
    older = publish(
        "user.status_changed", {"userId": user_id, "newStatus": "active", "previousStatus": "x"}
    )
    # A newer "inactive" was applied first (delivery order is not publication order).
    user_status_apply(user_id=user_id, new_status="inactive", at=older.time + timedelta(seconds=1))
    stats = events_outbox.deliver()
    assert stats["handled"] == 1
    assert not User.objects.get(pk=user_id).is_active


def test_a_redelivered_status_event_is_applied_once(owner, events_outbox):
    user_id = owner["user"]["id"]
    event = publish(
        "user.status_changed", {"userId": user_id, "newStatus": "inactive", "previousStatus": "a"}
    )
    assert user_status_apply(user_id=user_id, new_status="inactive", at=event.time)
    assert not user_status_apply(user_id=user_id, new_status="inactive", at=event.time)


def test_a_status_auth_does_not_know_is_ignored(owner, events_outbox):
    stats = status_changed(events_outbox, owner["user"]["id"], "pending_review")
    assert stats["handled"] == 1 and User.objects.get(pk=owner["user"]["id"]).is_active


def test_deletion_anonymises_and_revokes(owner, events_outbox):
    user_id = owner["user"]["id"]
    stats = deliver(events_outbox, "user.deleted", userId=user_id, reason="asked")
    assert stats["handled"] == 1
    user = User.objects.get(pk=user_id)
    assert not user.is_active and user.deleted_at is not None
    assert user.email is None  # a tombstone: no address at all
    assert (user.first_name, user.last_name, user.phone) == ("", "", "")
    assert not user.has_usable_password()
    assert refresh(owner["refresh"]).status_code == 401
    assert login(owner["email"]).status_code == 401
    # A later reactivation does not bring a deleted account back.
    status_changed(events_outbox, user_id, "active", previous="deleted")
    assert not User.objects.get(pk=user_id).is_active


def test_no_address_anyone_had_can_block_a_deletion(owner, events_outbox):
    """On main, signing up as ``deleted-<id>@deleted.invalid`` made that user's deletion fail
    (a unique violation, retried, dead-lettered) and left the account active."""
    user_id = owner["user"]["id"]
    organization = User.objects.get(pk=user_id).organization
    User.objects.create_user(
        f"deleted-{user_id}@deleted.invalid", "Squatter-pass-2026", role="SME_OWNER",
        organization=organization,
    )  # fmt: skip
    stats = deliver(events_outbox, "user.deleted", userId=user_id, reason="asked")
    assert stats["handled"] == 1 and stats["dead_lettered"] == 0
    user = User.objects.get(pk=user_id)
    assert user.deleted_at is not None and not user.is_active and user.email is None


def test_many_deleted_users_share_the_empty_address(events_outbox):
    ids = [register()["user"]["id"] for _ in range(2)]
    for user_id in ids:
        assert deliver(events_outbox, "user.deleted", userId=user_id)["handled"] == 1
    assert User.objects.filter(email__isnull=True).count() == 2


def test_role_change_reaches_the_next_access_token(owner, events_outbox):
    user_id = owner["user"]["id"]
    deliver(
        events_outbox,
        "user.role_changed",
        userId=user_id,
        newRole="SME_USER",
        previousRole="SME_OWNER",
    )
    assert User.objects.get(pk=user_id).role == "SME_USER"
    assert AccessToken(refresh(owner["refresh"]).json()["access"])["role"] == "SME_USER"


@pytest.mark.parametrize(
    ("type_name", "data"),
    [
        ("user.status_changed", {"newStatus": "inactive", "previousStatus": "active"}),
        ("user.role_changed", {"newRole": "SME_USER", "previousRole": "SME_OWNER"}),
        ("user.deleted", {}),
    ],
)
def test_events_for_a_user_auth_never_had_are_dead_lettered(db, events_outbox, type_name, data):
    stats = deliver(events_outbox, type_name, userId=UNKNOWN, **data)
    assert stats["dead_lettered"] == 1 and stats["handled"] == 0


@pytest.mark.parametrize("role", ["INTERNAL_ADMIN", "NOT_A_ROLE"])
def test_impossible_role_changes_are_dead_lettered(owner, events_outbox, role):
    stats = deliver(
        events_outbox, "user.role_changed", userId=owner["user"]["id"], newRole=role,
        previousRole="SME_OWNER",
    )  # fmt: skip
    assert stats["dead_lettered"] == 1
    assert User.objects.get(pk=owner["user"]["id"]).role == "SME_OWNER"
