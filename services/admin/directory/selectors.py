"""Reads of the directory: users and organisations, deleted users left out."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Organization, UserRecord


def user_list(
    *,
    role: str | None = None,
    status: str | None = None,
    organization_id: str | None = None,
    locked: bool | None = None,
) -> QuerySet[UserRecord]:
    """Live (not deleted) users, filtered by role, status, organisation and lock when given."""
    users = UserRecord.objects.filter(deleted_at__isnull=True).select_related("login_activity")
    if role:
        users = users.filter(role=role)
    if status:
        users = users.filter(status=status)
    if organization_id:
        users = users.filter(organization_id=organization_id)
    if locked is not None:
        locked_now = Q(login_activity__locked_until__gt=timezone.now())
        users = users.filter(locked_now) if locked else users.exclude(locked_now)
    return users.order_by("created_at", "user_id")


def user_get(*, user_id: str) -> UserRecord | None:
    return (
        UserRecord.objects.filter(user_id=user_id, deleted_at__isnull=True)
        .select_related("login_activity")
        .first()
    )


def organization_list() -> QuerySet[Organization]:
    """Organisations with the number of their live users."""
    return Organization.objects.annotate(
        user_count=Count("users", filter=Q(users__deleted_at__isnull=True))
    ).order_by("name", "id")


def organization_get(*, organization_id: str) -> Organization | None:
    return organization_list().filter(id=organization_id).first()


def organization_exists(*, organization_id: str) -> bool:
    return Organization.objects.filter(id=organization_id).exists()
