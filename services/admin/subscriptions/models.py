"""The plan catalogue and organisations' subscriptions.

Plans are seeded by a data migration (their codes are the ``plan`` enum of the
``subscription.*`` events). An organisation has at most one *live* subscription (trial, active
or past due): a partial unique index holds that rule even against two concurrent requests.
Which status may follow which is the state machine of :mod:`subscriptions.services`.
"""

from __future__ import annotations

import uuid

from directory.models import Organization
from django.db import models
from django_prometheus.models import ExportModelOperationsMixin

from wanzo_common.money import AmountField, CurrencyField


class PlanCode(models.TextChoices):
    FREE = "free", "Free"
    BASIC = "basic", "Basic"
    PROFESSIONAL = "professional", "Professional"
    PREMIUM = "premium", "Premium"
    ENTERPRISE = "enterprise", "Enterprise"


class Plan(ExportModelOperationsMixin("plan"), models.Model):
    code = models.CharField(primary_key=True, max_length=20, choices=PlanCode.choices)
    name = models.CharField(max_length=100)
    price = AmountField(help_text="Price of one billing period.")
    currency = CurrencyField()
    billing_period_days = models.PositiveIntegerField(default=30)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["price", "code"]
        constraints = [
            models.CheckConstraint(name="plan_price_not_negative", condition=models.Q(price__gte=0))
        ]

    def __str__(self) -> str:
        return f"Plan {self.code}"


class SubscriptionStatus(models.TextChoices):
    TRIAL = "trial", "Trial"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


LIVE_STATUSES = (SubscriptionStatus.TRIAL, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


class Subscription(ExportModelOperationsMixin("subscription"), models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="subscriptions"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=16, choices=SubscriptionStatus.choices)
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="End of the trial or paid period; none: open-ended."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["status", "ends_at"], name="subscription_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status__in=[s.value for s in LIVE_STATUSES]),
                name="subscription_one_live_per_organization",
            )
        ]

    def __str__(self) -> str:
        return f"Subscription {self.id} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES
