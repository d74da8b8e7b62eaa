"""Writes: registering and deactivating devices, recording organisation members."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from devices.models import Device, Member


def member_record(*, user_id: str, organization_id: str | None) -> None:
    """Remember that ``user_id`` acts for ``organization_id`` (idempotent; none: nothing).

    Called with every sale: a pair this process saw committed costs no statement, a new one a
    single ``INSERT ... ON CONFLICT DO NOTHING`` (members are never removed, so a pair once
    stored stays true).
    """
    if not organization_id:
        return
    key = (organization_id, user_id)
    if key in _known_members:
        return
    Member.objects.bulk_create(
        [Member(organization_id=organization_id, user_id=user_id)], ignore_conflicts=True
    )
    transaction.on_commit(lambda: _remember_member(key))


_known_members: set[tuple[str, str]] = set()
KNOWN_MEMBERS_MAX = 100_000  # ~20 MB at most; then the set starts over


def _remember_member(key: tuple[str, str]) -> None:
    if len(_known_members) >= KNOWN_MEMBERS_MAX:
        _known_members.clear()
    _known_members.add(key)


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
