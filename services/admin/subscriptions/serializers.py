"""API shapes of plans and subscriptions; money as decimal strings with their currency."""

from __future__ import annotations

from directory.serializers import EXTERNAL_ID
from rest_framework import serializers

from wanzo_common.api.serializers import ModelSerializer
from wanzo_common.money import DECIMAL_PLACES, MAX_DIGITS

from .models import Plan, PlanCode, Subscription, SubscriptionStatus


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["code", "name", "price", "currency", "billing_period_days"]
        read_only_fields = fields


class SubscriptionSerializer(ModelSerializer):
    organization_id = serializers.CharField(read_only=True)
    plan = serializers.CharField(source="plan_id", read_only=True)
    amount = serializers.DecimalField(
        source="plan.price",
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        read_only=True,
        help_text="The plan's price per billing period.",
    )
    currency = serializers.CharField(source="plan.currency", read_only=True)

    class Meta:
        model = Subscription
        fields = [
            "id",
            "organization_id",
            "plan",
            "status",
            "amount",
            "currency",
            "started_at",
            "ends_at",
            "cancelled_at",
            "cancel_reason",
            "expired_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SubscriptionFilterSerializer(serializers.Serializer):
    organization = serializers.CharField(required=False, max_length=200, validators=[EXTERNAL_ID])
    status = serializers.ChoiceField(choices=SubscriptionStatus.choices, required=False)
    plan = serializers.ChoiceField(choices=PlanCode.choices, required=False)


class SubscriptionCreateSerializer(serializers.Serializer):
    organization_id = serializers.CharField(max_length=200, validators=[EXTERNAL_ID])
    plan = serializers.ChoiceField(choices=PlanCode.choices)
    trial_days = serializers.IntegerField(min_value=0, max_value=90, default=0)
    ends_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="End of the paid period (default: one billing period; free: open-ended).",
    )


class PlanChangeSerializer(serializers.Serializer):
    plan = serializers.ChoiceField(choices=PlanCode.choices)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_null=True, max_length=500)
