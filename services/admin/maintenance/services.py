"""Scheduling a maintenance window, announced with ``system.maintenance_scheduled``."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from wanzo_common.events import publish
from wanzo_common.events.envelope import format_time, utcnow

from .models import MaintenanceWindow


def maintenance_schedule(
    *,
    service: str,
    starts_at: datetime,
    ends_at: datetime,
    actor_id: str,
    description: str = "",
) -> MaintenanceWindow:
    """Record the window and announce it; it must start before it ends and end in the future."""
    if starts_at >= ends_at:
        raise ValidationError({"ends_at": ["A maintenance window ends after it starts."]})
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": ["A maintenance window to announce ends in the future."]})
    with transaction.atomic():
        window = MaintenanceWindow.objects.create(
            service=service,
            starts_at=starts_at,
            ends_at=ends_at,
            description=description,
            scheduled_by=actor_id,
        )
        publish(
            "system.maintenance_scheduled",
            {
                "maintenanceId": str(window.id),
                "service": service,
                "startsAt": format_time(starts_at),
                "endsAt": format_time(ends_at),
                "description": description,
                "scheduledBy": actor_id,
                "timestamp": format_time(utcnow()),
            },
        )
    return window
