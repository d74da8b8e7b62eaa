"""Reads of the maintenance windows."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from .models import MaintenanceWindow


def maintenance_list(
    *, service: str | None = None, upcoming: bool = False
) -> QuerySet[MaintenanceWindow]:
    """Windows by start time; ``upcoming`` keeps those not over yet."""
    windows = MaintenanceWindow.objects.all()
    if service:
        windows = windows.filter(service=service)
    if upcoming:
        windows = windows.filter(ends_at__gt=timezone.now())
    return windows.order_by("starts_at", "id")
