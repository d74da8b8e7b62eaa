"""Writes: registering and deactivating devices, recording organisation members."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone

from devices.models import Device, Member


def member_record(*, user_id: str, organization_id: str | None) -> None:
    """Remember that ``user_id`` acts for ``organization_id`` (idempotent; none: nothing)."""
    if not organization_id:
        return
    if Member.objects.filter(organization_id=organization_id, user_id=user_id).exists():
        return
    try:
        with transaction.atomic():
            Member.objects.create(organization_id=organization_id, user_id=user_id)
    except IntegrityError:  # recorded meanwhile by a concurrent request: the same outcome
        pass


def token_fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def device_register(
    *, user_id: str, organization_id: str | None, platform: str, token: str, device_id: str = ""
) -> tuple[Device, bool]:
    """Register (or re-register) a push token for this user; returns ``(device, created)``.

    A token already known moves to this user and is active again: the token identifies the
    installation, whoever logged in on it last gets its notifications.
    """
    fingerprint = token_fingerprint(token)
    fields = {
        "user_id": user_id,
        "organization_id": organization_id,
        "platform": platform,
        "token": token,
        "device_id": device_id,
        "active": True,
        "deactivated_at": None,
    }
    device, created = Device.objects.update_or_create(token_hash=fingerprint, defaults=fields)
    member_record(user_id=user_id, organization_id=organization_id)
    return device, created


def device_deactivate(*, device: Device) -> Device:
    if device.active:
        device.active = False
        device.deactivated_at = timezone.now()
        device.save(update_fields=["active", "deactivated_at", "updated_at"])
    return device


def devices_deactivate_for_user(*, user_id: str) -> int:
    """Stop sending to every device of ``user_id`` (a deactivated account); returns the count."""
    return Device.objects.filter(user_id=user_id, active=True).update(
        active=False, deactivated_at=timezone.now(), updated_at=timezone.now()
    )
