"""What offline sync stores: the operations already processed, and the records they change.

``SyncOperation`` holds every client operation id the server processed, whatever its outcome,
with the result it answered: unique per organisation, so the same batch sent twice changes
nothing and gets the same answers back (as ``duplicate``). ``SyncRecord`` is a customer,
product or expense kept as a versioned JSON document: a client edits the version it saw, and
an edit of an older version is a conflict, never a silent overwrite. Sales are not records:
they go through the sales service (``transaction.created``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django_prometheus.models import ExportModelOperationsMixin


class DataType(models.TextChoices):
    SALE = "sale"
    CUSTOMER = "customer"
    PRODUCT = "product"
    EXPENSE = "expense"


class Operation(models.TextChoices):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Status(models.TextChoices):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class SyncOperation(ExportModelOperationsMixin("sync_operation"), models.Model):
    organization_id = models.CharField(max_length=64)
    client_id = models.UUIDField()
    user_id = models.CharField(max_length=64)
    data_type = models.CharField(max_length=16, blank=True, default="")
    operation = models.CharField(max_length=16, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices)
    result = models.JSONField(default=dict)
    client_timestamp = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the item as sent: the same id with another item is rejected, not replayed.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization_id", "client_id"], name="sync_operation_once"
            )
        ]


class SyncRecord(ExportModelOperationsMixin("sync_record"), models.Model):
    organization_id = models.CharField(max_length=64)
    data_type = models.CharField(max_length=16, choices=DataType.choices)
    record_id = models.UUIDField()
    version = models.PositiveIntegerField(default=1)
    payload = models.JSONField(default=dict)
    deleted = models.BooleanField(default=False)
    created_by = models.CharField(max_length=64)
    updated_by = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization_id", "data_type", "record_id"], name="sync_record_unique"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="sync_record_version_positive"
            ),
            models.CheckConstraint(condition=~Q(data_type="sale"), name="sync_record_not_a_sale"),
        ]
