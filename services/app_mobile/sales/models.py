"""A sale the phone recorded, identified by the transaction id the phone generated.

The client-generated ``transaction_id`` is unique, so a phone retrying a request (or sending
the sale again in a sync batch) records it once. The status moves once, from ``pending`` to
``completed`` or ``failed``, when accounting answers.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django_prometheus.models import ExportModelOperationsMixin

from wanzo_common.money import AmountField, CurrencyField


class SaleStatus(models.TextChoices):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class Sale(ExportModelOperationsMixin("sale"), models.Model):
    transaction_id = models.UUIDField(unique=True)
    organization_id = models.CharField(max_length=64, db_index=True)
    user_id = models.CharField(max_length=64)
    amount = AmountField()
    currency = CurrencyField()
    category = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True, default="")
    date = models.DateField()
    status = models.CharField(max_length=16, choices=SaleStatus.choices, default=SaleStatus.PENDING)
    failure_reason = models.CharField(max_length=500, blank=True, default="")
    # SHA-256 of the sale as first sent: the same transaction id for another sale is a 422.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization_id", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sale_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=SaleStatus.values), name="sale_status_known"
            ),
        ]
