"""One use of the app, from start to end, on one device."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django_prometheus.models import ExportModelOperationsMixin


class DeviceOS(models.TextChoices):
    ANDROID = "android"
    IOS = "ios"
    WEB = "web"
    OTHER = "other"


class AppSession(ExportModelOperationsMixin("app_session"), models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.CharField(max_length=64, db_index=True)
    organization_id = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    device_os = models.CharField(max_length=16, choices=DeviceOS.choices)
    app_version = models.CharField(max_length=64)  # as sent; the metric gets app_version_label
    device_id = models.CharField(max_length=128, blank=True, default="")
    # The auth session (the token's ``sid`` claim) the app was opened in; blank when the token
    # had none. ``auth.logout`` of that session ends the app session.
    auth_session_id = models.CharField(max_length=200, blank=True, default="")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user_id", "auth_session_id"], name="app_session_auth_session")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="app_session_ends_after_start",
            )
        ]

    @property
    def duration_seconds(self) -> float | None:
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()
