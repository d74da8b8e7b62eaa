"""A phone or browser that can receive push notifications, and who belongs to which organisation.

The push token (or Web Push subscription) is a bearer secret: it is stored to send, never
returned by the API and never logged. Its SHA-256 is unique, so registering a token again
(the app restarts, or another user logs in on the same phone) updates one row instead of
piling up devices that would get every notification twice.
"""

from __future__ import annotations

import uuid

from django.db import models
from django_prometheus.models import ExportModelOperationsMixin


class Platform(models.TextChoices):
    ANDROID = "android"
    IOS = "ios"
    WEB = "web"


class Device(ExportModelOperationsMixin("device"), models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.CharField(max_length=64, db_index=True)
    organization_id = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    platform = models.CharField(max_length=16, choices=Platform.choices)
    # The app's own identifier of the installation (optional), to tell a user's phones apart.
    device_id = models.CharField(max_length=128, blank=True, default="")
    token = models.TextField()
    token_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user_id", "active"])]

    def __repr__(self) -> str:  # no token
        return f"<Device {self.id} {self.platform} user={self.user_id} active={self.active}>"


class Member(models.Model):
    """A user seen acting for an organisation (a session, a device, a sale).

    The mobile service has no user directory of its own: this is the audience of the
    organisation-wide notifications (``subscription.*`` events name the organisation only).
    """

    organization_id = models.CharField(max_length=64)
    user_id = models.CharField(max_length=64, db_index=True)
    first_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization_id", "user_id"], name="member_unique")
        ]
