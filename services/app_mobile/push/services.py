"""Writes: create a user's notification now, deliver it to their devices after commit.

``notification_send`` is what every caller uses (event handlers, the test endpoint). It picks
the devices at once, in the caller's transaction (so deactivating them in the same transaction,
after telling the user, still reaches them), and hands delivery to ``on_commit``: no network
call holds a database transaction open, and nothing is sent for a change that rolls back.
``push_notifications_sent_total`` counts each notification once, when its delivery ends.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from app_mobile_service.metrics import PUSH_NOTIFICATIONS_SENT
from devices.models import Device
from devices.selectors import device_ids_active_for_user, member_user_ids
from devices.services import device_deactivate
from django.db import IntegrityError, transaction
from django.utils import timezone

from push.models import Notification, Result
from push.providers import PushMessage, PushResult, get_provider
from wanzo_common.events.registry import current_delivery

logger = logging.getLogger(__name__)


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
    try:
        with transaction.atomic(savepoint=not batch):
            notification = Notification.objects.create(
                user_id=user_id,
                organization_id=organization_id,
                notification_type=notification_type,
                priority=priority,
                title=title[:200],
                body=body[:1000],
                data=dict(data or {}),
                event_id=event_id,
                devices_targeted=len(targets),
            )
    except IntegrityError:  # the same event, notified concurrently
        if batch:
            raise
        return None
    notification_id = str(notification.pk)

    # A function, not a functools.partial: Django logs a failed robust callback by its
    # __qualname__, which a partial lacks; the AttributeError then skipped the callbacks after it.
    def deliver() -> None:
        notification_deliver(notification_id=notification_id, device_ids=targets)

    transaction.on_commit(deliver, robust=True)
    return notification


def notifications_send_to_organization(
    *, organization_id: str, **kwargs: Any
) -> list[Notification]:
    """Notify every user known in the organisation (see :class:`devices.models.Member`)."""
    sent = []
    for user_id in member_user_ids(organization_id=organization_id):
        notification = notification_send(user_id=user_id, organization_id=organization_id, **kwargs)
        if notification is not None:
            sent.append(notification)
    return sent


def notification_deliver(*, notification_id: str, device_ids: list[str]) -> str | None:
    """Send a pending notification to ``device_ids``; returns its result (None: not pending)."""
    notification = Notification.objects.filter(pk=notification_id, result=Result.PENDING).first()
    if notification is None:
        return None
    outcomes = [
        _send_to(device, notification) for device in Device.objects.filter(pk__in=device_ids)
    ]
    result = _result_of(outcomes)
    updated = Notification.objects.filter(pk=notification.pk, result=Result.PENDING).update(
        result=result,
        devices_reached=outcomes.count(PushResult.SENT),
        delivered_at=timezone.now(),
    )
    if updated:  # a concurrent delivery of the same row counts once
        PUSH_NOTIFICATIONS_SENT.labels(
            notification_type=notification.notification_type,
            priority=notification.priority,
            result=result,
        ).inc()
    return result


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
