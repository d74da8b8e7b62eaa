"""Reads: a user's devices, an organisation's known users."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from devices.models import Device, Member


def device_list(*, user_id: str) -> QuerySet[Device]:
    """Every device the user registered (active or not), newest first."""
    return Device.objects.filter(user_id=user_id)


def device_ids_active_for_user(*, user_id: str) -> list[str]:
    return [
        str(pk)
        for pk in Device.objects.filter(user_id=user_id, active=True).values_list("pk", flat=True)
    ]


def device_ids_active_for_users(*, user_ids: Iterable[str]) -> dict[str, list[str]]:
    """Each user's active devices (a user without one is absent), in one query."""
    devices: dict[str, list[str]] = {}
    rows = Device.objects.filter(user_id__in=list(user_ids), active=True).values_list(
        "user_id", "pk"
    )
    for user_id, pk in rows:
        devices.setdefault(user_id, []).append(str(pk))
    return devices


def member_user_ids(*, organization_id: str) -> list[str]:
    return list(
        Member.objects.filter(organization_id=organization_id)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def member_organization_id(*, user_id: str) -> str | None:
    """The organisation ``user_id`` was last seen in (``None`` if never seen)."""
    return (
        Member.objects.filter(user_id=user_id)
        .order_by("-first_seen")
        .values_list("organization_id", flat=True)
        .first()
    )
