"""Revoked tokens are refused: the rows, their rounding, their pruning, the per-process copy."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from wanzo_common.api import revocation
from wanzo_common.api.models import Revocation
from wanzo_common.api.testing import RevocationContract, api_client

pytestmark = pytest.mark.django_db


class TestRevocation(RevocationContract):
    """The contract every service runs, here on the test project."""

    path = "/api/whoami/"


def whoami(user_id: str, **claims) -> int:
    return api_client(user_id=user_id, **claims).get("/api/whoami/").status_code


def test_a_token_issued_at_or_after_not_before_passes():
    user = str(uuid.uuid4())
    now = timezone.now()
    revocation.user_revoke(user_id=user, not_before=now)
    assert whoami(user, issued_at=now - timedelta(microseconds=1)) == 401
    assert whoami(user, issued_at=now) == 200


def test_a_token_without_iat_is_older_than_any_revocation():
    user = str(uuid.uuid4())
    revocation.user_revoke(user_id=user, not_before=timezone.now() - timedelta(seconds=1))
    assert revocation.is_revoked({"user_id": user})
    assert not revocation.is_revoked({"user_id": str(uuid.uuid4())})


def test_an_older_event_never_lowers_not_before():
    user = str(uuid.uuid4())
    now = timezone.now()
    revocation.user_revoke(user_id=user, not_before=now)
    revocation.user_revoke(user_id=user, not_before=now - timedelta(minutes=1))
    assert Revocation.objects.get(subject=user).not_before == now


def test_rows_that_can_refuse_no_live_token_are_pruned_at_each_write():
    old = timezone.now() - timedelta(hours=1)
    Revocation.objects.create(kind="user", subject="gone", not_before=old)
    revocation.user_revoke(user_id="fresh", not_before=timezone.now())
    assert list(Revocation.objects.values_list("subject", flat=True)) == ["fresh"]


@override_settings(WANZO_API={"REVOCATION_CACHE_SECONDS": 3600})
def test_the_copy_is_reused_until_it_is_old_then_read_again(django_assert_num_queries):
    user = str(uuid.uuid4())
    revocation.forget()
    with django_assert_num_queries(1):  # one read for three requests
        for _ in range(3):
            assert whoami(user) == 200
    # Another process (the consumer) writes: this one's copy does not see it yet...
    Revocation.objects.create(kind="user", subject=user, not_before=timezone.now() + timedelta(1))
    assert whoami(user) == 200
    # ...until it is older than REVOCATION_CACHE_SECONDS (here: forced), or this process writes.
    revocation.forget()
    assert whoami(user) == 401


@override_settings(WANZO_API={"REVOCATION_CACHE_SECONDS": 3600})
def test_a_write_in_this_process_is_seen_at_once():
    user = str(uuid.uuid4())
    assert whoami(user) == 200
    revocation.user_revoke(user_id=user, not_before=timezone.now() + timedelta(seconds=5))
    assert whoami(user) == 401


def test_a_replayed_old_deactivation_refuses_nothing_alive():
    from types import SimpleNamespace

    from wanzo_common.api.handlers import revoke_on_status_changed

    user = str(uuid.uuid4())
    client = api_client(user_id=user, issued_at=timezone.now() - timedelta(seconds=30))
    old = SimpleNamespace(
        data={"userId": user, "newStatus": "inactive", "previousStatus": "active"},
        time=timezone.now() - timedelta(days=3),
    )
    revoke_on_status_changed(old)  # a new consumer group reading the topic from the start
    assert client.get("/api/whoami/").status_code == 200
    assert not Revocation.objects.filter(subject=user).exists()  # pruned at once
