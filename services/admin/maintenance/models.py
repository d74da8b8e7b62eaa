"""A maintenance window: which service, from when to when, and why."""

from __future__ import annotations

import uuid

from django.db import models
from django_prometheus.models import ExportModelOperationsMixin


class MaintenanceService(models.TextChoices):
    """The services a window can concern; ``all`` is platform-wide (as the event says)."""

    ALL = "all", "The whole platform"
    AUTH = "auth", "auth"
    ADMIN = "admin", "admin"
    ACCOUNTING = "accounting", "accounting"
    APP_MOBILE = "app_mobile", "app_mobile"


class MaintenanceWindow(ExportModelOperationsMixin("maintenance_window"), models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.CharField(max_length=20, choices=MaintenanceService.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    description = models.TextField(max_length=2000, blank=True)
    scheduled_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="maintenance_window_starts_before_it_ends",
                condition=models.Q(starts_at__lt=models.F("ends_at")),
            )
        ]

    def __str__(self) -> str:
        return f"MaintenanceWindow {self.id} ({self.service})"
