"""Reads: a user's own notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from push.models import Notification


def notification_list(
    *, user_id: str, notification_type: str | None = None, unread: bool | None = None
) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(user_id=user_id)
    if notification_type:
        queryset = queryset.filter(notification_type=notification_type)
    if unread is not None:
        queryset = queryset.filter(read_at__isnull=unread)
    return queryset
