"""Reads of users and organisations; writes live in :mod:`identity.services`."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from .models import User, normalize_email


def _as_uuid(value: object) -> uuid.UUID | None:
    # Ids arrive from tokens, URLs and events: anything that is not a UUID names nobody.
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def user_get(*, user_id: object, for_update: bool = False) -> User | None:
    pk = _as_uuid(user_id)
    if pk is None:
        return None
    users = User.objects.select_related("organization")
    if for_update:
        users = users.select_for_update(of=("self",))
    return users.filter(pk=pk).first()


def user_get_by_email(*, email: str, for_update: bool = False) -> User | None:
    users = User.objects.select_related("organization")
    if for_update:
        users = users.select_for_update(of=("self",))
    return users.filter(email=normalize_email(email)).first()


def user_email_taken(*, email: str) -> bool:
    return User.objects.filter(email=normalize_email(email)).exists()


def organization_user_list(*, organization_id: object) -> QuerySet[User]:
    """The organisation's users, oldest first (none for an id that is not a UUID)."""
    pk = _as_uuid(organization_id)
    if pk is None:
        return User.objects.none()
    return (
        User.objects.select_related("organization")
        .filter(organization_id=pk, deleted_at__isnull=True)
        .order_by("date_joined", "id")
    )


def organization_user_get(*, organization_id: object, user_id: object) -> User | None:
    """One user of the organisation; ``None`` for another organisation's user (a 404)."""
    pk = _as_uuid(user_id)
    if pk is None:
        return None
    return organization_user_list(organization_id=organization_id).filter(pk=pk).first()
