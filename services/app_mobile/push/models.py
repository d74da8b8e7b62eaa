"""A notification for one user: what the user lists in the app, whatever the devices did.

The row is written in the business transaction (an event handler's, a request's) and delivered
to the user's devices after commit, so a rolled-back change never reaches a phone and a retried
event never buzzes twice (one row per user and event id, held by a unique constraint).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django_prometheus.models import ExportModelOperationsMixin


class NotificationType(models.TextChoices):
    SUBSCRIPTION = "subscription"
    TRANSACTION = "transaction"
    ACCOUNT = "account"
    TEST = "test"


class Priority(models.TextChoices):
    HIGH = "high"
    NORMAL = "normal"


class Result(models.TextChoices):
    PENDING = "pending"  # written, not delivered yet (waits for the transaction to commit)
    SENT = "sent"  # reached at least one device
    FAILED = "failed"  # every device refused it
    NO_DEVICE = "no_device"  # the user had no active device: listed in the app only


class Notification(ExportModelOperationsMixin("notification"), models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.CharField(max_length=64)
    organization_id = models.CharField(max_length=64, null=True, blank=True)
    notification_type = models.CharField(max_length=16, choices=NotificationType.choices)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=1000, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    # The event that caused it (None for a test notification): at most one per user and event.
    event_id = models.CharField(max_length=64, null=True, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, default=Result.PENDING)
    devices_targeted = models.PositiveIntegerField(default=0)
    devices_reached = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user_id", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "event_id"],
                condition=Q(event_id__isnull=False),
                name="notification_once_per_event",
            ),
        ]
