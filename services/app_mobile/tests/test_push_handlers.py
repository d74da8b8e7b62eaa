"""Events in: subscription.* and user.status_changed become notifications on the right devices."""

from __future__ import annotations

import uuid

import pytest
from devices.models import Device
from django.db import transaction
from push.models import Notification
from push.services import notification_send

from wanzo_common.api.testing import api_client
from wanzo_common.monitoring.testing import assert_metric_delta

pytestmark = pytest.mark.django_db


def register(client, token: str) -> dict:
    return client.post("/api/devices/", {"platform": "android", "push_token": token},
                       format="json").json()  # fmt: skip


def subscription_created(org_id: str) -> dict:
    return {"entityId": org_id, "entityType": "sme", "plan": "premium", "status": "active",
            "amount": "50.0000", "currency": "USD"}  # fmt: skip


def test_subscription_events_notify_every_known_user_of_the_organisation(
    client, org_id, deliver, push_outbox
):
    register(client, "owner-phone")
    colleague = api_client(role="SME_USER", organization_id=org_id)
    colleague.post("/api/sessions/", {"device_os": "ios", "app_version": "1.2"}, format="json")
    stranger = api_client(role="SME_OWNER", organization_id=str(uuid.uuid4()))
    register(stranger, "stranger-phone")

    with (
        assert_metric_delta("push_notifications_sent_total", 1, notification_type="subscription",
                            priority="normal", result="sent"),
        assert_metric_delta("push_notifications_sent_total", 1, notification_type="subscription",
                            priority="normal", result="no_device"),
    ):  # fmt: skip
        deliver("subscription.created", subscription_created(org_id))

    assert len(push_outbox) == 1  # the owner's phone; the colleague has no device yet
    assert client.get("/api/notifications/").json()["results"][0]["body"].endswith("premium plan.")
    assert colleague.get("/api/notifications/").json()["count"] == 1
    assert stranger.get("/api/notifications/").json()["count"] == 0


@pytest.mark.parametrize(
    ("type_name", "data", "priority"),
    [
        ("subscription.changed", {"previousPlan": "free", "newPlan": "basic", "status": "active"},
         "normal"),
        ("subscription.cancelled", {"plan": "basic"}, "high"),
        ("subscription.expired", {"plan": "basic", "expiredAt": "2026-01-01T00:00:00Z"}, "high"),
    ],
)  # fmt: skip
def test_every_subscription_event_notifies(client, org_id, deliver, type_name, data, priority):
    register(client, "phone")
    with assert_metric_delta("push_notifications_sent_total", 1, notification_type="subscription",
                             priority=priority, result="sent"):  # fmt: skip
        deliver(type_name, {"entityId": org_id, "entityType": "sme", **data})


def test_a_redelivered_event_notifies_once(client, org_id, events_outbox, push_outbox,
                                           django_capture_on_commit_callbacks):  # fmt: skip
    from push.handlers import on_subscription_event

    from wanzo_common.events import publish

    register(client, "phone")
    event = publish("subscription.created", subscription_created(org_id))
    with django_capture_on_commit_callbacks(execute=True):
        on_subscription_event(event)
        on_subscription_event(event)  # the inbox would stop this; the unique key does too
    assert len(push_outbox) == 1
    assert Notification.objects.count() == 1


def test_deactivated_user_is_told_then_their_devices_stop(client, user_id, deliver, push_outbox):
    register(client, "phone-1")
    register(client, "phone-2")
    data = {"userId": user_id, "previousStatus": "active", "newStatus": "inactive"}
    with assert_metric_delta("push_notifications_sent_total", 1, notification_type="account",
                             priority="high", result="sent"):  # fmt: skip
        deliver("user.status_changed", data)
    assert len(push_outbox) == 2  # the last message reached both phones
    assert Device.objects.filter(user_id=user_id, active=True).count() == 0
    assert Notification.objects.filter(user_id=user_id, notification_type="account").count() == 1
    assert client.get("/api/notifications/").status_code == 401  # and their token is revoked


def test_reactivation_notifies_and_keeps_devices(client, user_id, deliver):
    register(client, "phone-1")
    deliver("user.status_changed", {"userId": user_id, "previousStatus": "inactive",
                                    "newStatus": "active"})  # fmt: skip
    assert Device.objects.filter(user_id=user_id, active=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_nothing_is_pushed_for_a_change_that_rolls_back(push_outbox, user_id):
    Device.objects.create(user_id=user_id, platform="android", token="t", token_hash="h")
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_send(user_id=user_id, notification_type="test", priority="normal", title="x")
        raise RuntimeError("the handler failed")
    assert push_outbox == [] and Notification.objects.count() == 0
    notification_send(user_id=user_id, notification_type="test", priority="normal", title="x")
    assert len(push_outbox) == 1  # outside a transaction: delivered at once


def test_a_deleted_user_devices_stop(client, user_id, deliver, push_outbox):
    register(client, "phone-1")
    deliver("user.deleted", {"userId": user_id})
    assert Device.objects.filter(user_id=user_id, active=True).count() == 0
    assert push_outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_delivery_that_fails_after_the_commit_does_not_stop_the_next_ones(
    push_outbox, user_id, monkeypatch
):
    """Found by the chaos soak: a delivery that met a PostgreSQL restart raised, and Django's
    logging of a robust on_commit callback failed on the callback's missing ``__qualname__``
    (a ``functools.partial``): the other deliveries of the batch were skipped, pending forever."""
    from django.db import OperationalError
    from push import services

    Device.objects.create(user_id=user_id, platform="android", token="t", token_hash="h")
    deliver = services.notifications_deliver
    calls = []

    def first_fails(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return deliver(**kwargs)

    monkeypatch.setattr(services, "notifications_deliver", first_fails)
    with transaction.atomic():
        for title in ("first", "second"):
            notification_send(user_id=user_id, notification_type="test", priority="normal",
                              title=title)  # fmt: skip
    assert len(calls) == 2
    assert [message.title for message in push_outbox] == ["second"]


@pytest.mark.django_db(transaction=True)
def test_notifications_in_bulk_reach_each_user_own_devices_after_the_commit(push_outbox):
    from push.services import Draft, notifications_send

    with_phones, without = str(uuid.uuid4()), str(uuid.uuid4())
    for token in ("a", "b"):
        Device.objects.create(user_id=with_phones, platform="android", token=token,
                              token_hash=token)  # fmt: skip
    Device.objects.create(user_id=without, platform="ios", token="c", token_hash="c", active=False)
    drafts = [
        Draft(user_id=user_id, notification_type="transaction", priority="normal", title="x",
              event_id=str(uuid.uuid4()))
        for user_id in (with_phones, without)
    ]  # fmt: skip
    with (
        assert_metric_delta("push_notifications_sent_total", 1, notification_type="transaction",
                            priority="normal", result="sent"),
        assert_metric_delta("push_notifications_sent_total", 1, notification_type="transaction",
                            priority="normal", result="no_device"),
        transaction.atomic(),
    ):  # fmt: skip
        notifications_send(drafts=drafts)
        notifications_send(drafts=drafts[:1])  # the same event again: skipped, not an error
        assert push_outbox == []  # nothing before the commit
    rows = {row.user_id: row for row in Notification.objects.all()}
    assert (rows[with_phones].result, rows[with_phones].devices_targeted,
            rows[with_phones].devices_reached) == ("sent", 2, 2)  # fmt: skip
    assert (rows[without].result, rows[without].devices_targeted) == ("no_device", 0)
    assert sorted(message.token for message in push_outbox) == ["a", "b"]
