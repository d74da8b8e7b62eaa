"""The configuration sections: one serializer per section, its fields typed and bounded.

A serializer is the single description of a section: its field types and bounds validate a
change (400 with field errors), its ``default`` values are the section's defaults, and
drf-spectacular turns it into the section's OpenAPI schema. Adding a setting is adding a field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from wanzo_common.money import CurrencySerializerField


class SectionSerializer(serializers.Serializer):
    """A section: unknown keys are refused rather than silently dropped."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {key: ["Unknown setting."] for key in unknown[:20]}
                )
        return super().to_internal_value(data)


class SecuritySettingsSerializer(SectionSerializer):
    max_login_attempts = serializers.IntegerField(min_value=1, max_value=20, default=5)
    lockout_minutes = serializers.IntegerField(min_value=1, max_value=1440, default=15)
    password_min_length = serializers.IntegerField(min_value=8, max_value=128, default=10)


class NotificationSettingsSerializer(SectionSerializer):
    push_enabled = serializers.BooleanField(default=True)
    email_enabled = serializers.BooleanField(default=True)
    daily_digest_hour = serializers.IntegerField(
        min_value=0, max_value=23, default=8, help_text="Hour of the day (UTC) of the digest."
    )


class BillingSettingsSerializer(SectionSerializer):
    default_currency = CurrencySerializerField(default="USD", help_text="ISO 4217 code.")
    trial_days = serializers.IntegerField(min_value=0, max_value=90, default=14)
    grace_period_days = serializers.IntegerField(min_value=0, max_value=60, default=7)


class MaintenanceSettingsSerializer(SectionSerializer):
    maintenance_mode = serializers.BooleanField(default=False)
    banner_message = serializers.CharField(max_length=500, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("maintenance_mode") and not attrs.get("banner_message", "").strip():
            raise serializers.ValidationError(
                {"banner_message": ["Required while maintenance_mode is on."]}
            )
        return attrs


SECTIONS: dict[str, type[SectionSerializer]] = {
    "security": SecuritySettingsSerializer,
    "notifications": NotificationSettingsSerializer,
    "billing": BillingSettingsSerializer,
    "maintenance": MaintenanceSettingsSerializer,
}


def section_defaults(section: str) -> dict[str, Any]:
    return {name: field.default for name, field in SECTIONS[section]().fields.items()}
