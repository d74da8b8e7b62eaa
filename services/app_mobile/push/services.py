"""Writes: create a user's notification now, deliver it to their devices after commit.

``notification_send`` is what every caller uses (event handlers, the test endpoint);
``notifications_send`` does the same for a batch of events (one read of the users' devices, one
INSERT). They pick the devices at once, in the caller's transaction (so deactivating them in the
same transaction, after telling the user, still reaches them), and hand delivery to
``on_commit``: no network call holds a database transaction open, and nothing is sent for a
change that rolls back. A notification for a user without an active device has nothing to wait
for: it is written delivered (``no_device``). ``push_notifications_sent_total`` counts each
notification once, when its delivery ends (after the commit).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app_mobile_service.metrics import PUSH_NOTIFICATIONS_SENT
from devices.models import Device
from devices.selectors import (
    device_ids_active_for_user,
    device_ids_active_for_users,
    member_user_ids,
)
from devices.services import device_deactivate
from django.db import IntegrityError, transaction
from django.utils import timezone

from push.models import Notification, Result
from push.providers import PushMessage, PushResult, get_provider
from wanzo_common.events.registry import current_delivery

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    """A notification to write for one user because of one event (see ``notifications_send``)."""

    user_id: str
    notification_type: str
    priority: str
    title: str
    event_id: str | None  # None: a notification no event caused (a test push)
    body: str = ""
    organization_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


def notification_send(
    *,
    user_id: str,
    notification_type: str,
    priority: str,
    title: str,
    body: str = "",
    organization_id: str | None = None,
    data: Mapping[str, Any] | None = None,
    event_id: str | None = None,
    device_ids: list[str] | None = None,
) -> Notification | None:
    """Notify one user (their active devices unless ``device_ids``); ``None`` if already done."""
    if event_id and Notification.objects.filter(user_id=user_id, event_id=event_id).exists():
        return None
    targets = device_ids_active_for_user(user_id=user_id) if device_ids is None else device_ids
    # In a consumer's batch, which is retried as a whole when it fails (ADR 0006), no
    # savepoint: a concurrent notification of the same event fails the batch, and its retry
    # finds the notification. A direct caller keeps one, to answer that race with None.
    batch = current_delivery() is not None and transaction.get_connection().in_atomic_block
    draft = Draft(
        user_id=user_id, notification_type=notification_type, priority=priority, title=title,
        event_id=event_id, body=body, organization_id=organization_id, data=dict(data or {}),
    )  # fmt: skip
    try:
        with transaction.atomic(savepoint=not batch):
            notification = _unsaved(draft, targets)
            notification.save(force_insert=True)
    except IntegrityError:  # the same event, notified concurrently
        if batch:
            raise
        return None
    _deliver_on_commit([notification], {str(notification.pk): targets})
    return notification


def notifications_send(*, drafts: Sequence[Draft]) -> None:
    """Notify each draft's user (their active devices), a batch of events' notifications at once.

    One read of the users' devices, one INSERT, one delivery after commit. A user notified of
    the same event before (the unique constraint) is skipped by the INSERT (ON CONFLICT DO
    NOTHING): no read first, and a concurrent writer of the same row is waited for, not an
    error. The delivery of a row that was skipped finds nothing pending and sends nothing (a
    skipped device-less row is still counted: callers guard against repeats themselves, as
    ``sales_settle`` does by notifying only for the answer that settles a pending sale).
    """
    if not drafts:
        return
    devices = device_ids_active_for_users(user_ids={draft.user_id for draft in drafts})
    notifications, targets = [], {}
    for draft in drafts:
        user_targets = devices.get(draft.user_id, [])
        notification = _unsaved(draft, user_targets)
        notifications.append(notification)
        targets[str(notification.pk)] = user_targets
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    _deliver_on_commit(notifications, targets)


def _unsaved(draft: Draft, targets: list[str]) -> Notification:
    """The row to insert; written delivered if there is no device to deliver it to."""
    notification = Notification(
        user_id=draft.user_id, organization_id=draft.organization_id,
        notification_type=draft.notification_type, priority=draft.priority,
        title=draft.title[:200], body=draft.body[:1000], data=dict(draft.data),
        event_id=draft.event_id, devices_targeted=len(targets),
    )  # fmt: skip
    if not targets:
        notification.result = Result.NO_DEVICE
        notification.delivered_at = timezone.now()
    return notification


def _deliver_on_commit(notifications: list[Notification], targets: dict[str, list[str]]) -> None:
    """After commit: count the device-less notifications (delivered), deliver the others."""
    undelivered = {pk: devices for pk, devices in targets.items() if devices}
    delivered = Counter(
        (notification.notification_type, notification.priority)
        for notification in notifications
        if not targets[str(notification.pk)]
    )
    if delivered:

        def count() -> None:
            for (notification_type, priority), n in delivered.items():
                PUSH_NOTIFICATIONS_SENT.labels(
                    notification_type=notification_type, priority=priority, result=Result.NO_DEVICE
                ).inc(n)

        transaction.on_commit(count)
    if undelivered:
        # A function, not a functools.partial: Django logs a failed robust callback by its
        # __qualname__, which a partial lacks; the AttributeError then skipped the callbacks
        # after it.
        def deliver() -> None:
            notifications_deliver(targets=undelivered)

        transaction.on_commit(deliver, robust=True)


def notifications_send_to_organization(
    *,
    organization_id: str,
    notification_type: str,
    priority: str,
    title: str,
    event_id: str,
    body: str = "",
    data: Mapping[str, Any] | None = None,
) -> None:
    """Notify every user known in the organisation (see :class:`devices.models.Member`), in bulk."""
    drafts = [
        Draft(
            user_id=user_id,
            organization_id=organization_id,
            notification_type=notification_type,
            priority=priority,
            title=title,
            body=body,
            data=dict(data or {}),
            event_id=event_id,
        )  # fmt: skip
        for user_id in member_user_ids(organization_id=organization_id)
    ]
    notifications_send(drafts=drafts)


def notifications_deliver(*, targets: Mapping[str, list[str]]) -> None:
    """Send the pending notifications ``targets`` names, each to its devices (ids).

    Two reads (the notifications still pending, their devices) and one UPDATE per outcome,
    whatever the number of notifications; a notification delivered meanwhile is left alone.
    """
    notifications = list(Notification.objects.filter(pk__in=list(targets), result=Result.PENDING))
    wanted = {
        device_id for notification in notifications for device_id in targets[str(notification.pk)]
    }
    devices = list(Device.objects.filter(pk__in=wanted)) if wanted else []
    outcomes: dict[tuple[str, int, str, str], list] = defaultdict(list)
    for notification in notifications:
        mine = set(targets[str(notification.pk)])
        sent = [_send_to(device, notification) for device in devices if str(device.pk) in mine]
        key = (_result_of(sent), sent.count(PushResult.SENT), notification.notification_type,
               notification.priority)  # fmt: skip
        outcomes[key].append(notification.pk)
    now = timezone.now()
    for (result, reached, notification_type, priority), pks in outcomes.items():
        updated = Notification.objects.filter(pk__in=pks, result=Result.PENDING).update(
            result=result, devices_reached=reached, delivered_at=now
        )
        if updated:  # a concurrent delivery of the same rows counts once
            PUSH_NOTIFICATIONS_SENT.labels(
                notification_type=notification_type, priority=priority, result=result
            ).inc(updated)


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def _send_to(device: Device, notification: Notification) -> PushResult:
    message = PushMessage(
        device_id=str(device.pk),
        platform=device.platform,
        token=device.token,
        notification_id=str(notification.pk),
        notification_type=notification.notification_type,
        priority=notification.priority,
        title=notification.title,
        body=notification.body,
        data=notification.data,
    )
    try:
        outcome = get_provider().send(message)
    except Exception as exc:  # a provider bug must not lose the other devices' deliveries
        # The exception's text may quote the token: its type only.
        logger.error("push provider error device=%s error=%s", device.pk, type(exc).__name__)
        return PushResult.FAILED
    if outcome is PushResult.GONE:
        device_deactivate(device=device)
    return outcome


def _result_of(outcomes: list[PushResult]) -> str:
    if not outcomes:
        return Result.NO_DEVICE
    return Result.SENT if PushResult.SENT in outcomes else Result.FAILED
