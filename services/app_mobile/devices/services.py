"""Writes: registering and deactivating devices, recording organisation members."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone

from devices.models import Device, Member
from wanzo_common.api.exceptions import Conflict


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
    installation, whoever logged in on it last gets its notifications. Within one
    organisation only: a token active for another organisation is a :class:`Conflict` (409),
    never moved silently (its notifications would reach another organisation's user, and its
    user would get none). Once that device is unregistered or deactivated, the token is free.
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
    device = Device.objects.select_for_update().filter(token_hash=fingerprint).first()
    created = device is None
    if created:
        try:
            with transaction.atomic():
                device = Device.objects.create(token_hash=fingerprint, **fields)
        except IntegrityError:  # registered concurrently: judge that registration below
            device = Device.objects.select_for_update().get(token_hash=fingerprint)
            created = False
    if not created:
        if device.active and device.organization_id != organization_id:
            raise Conflict(
                "This push token is registered by another organisation; unregister it there "
                "first.",
                code="token_registered_elsewhere",
            )
        for name, value in fields.items():
            setattr(device, name, value)
        device.save()
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
