"""API shapes of the configuration: all sections at once, the audit trail and its filter."""

from __future__ import annotations

from rest_framework import serializers

from .models import ConfigurationChange
from .sections import SECTIONS


class ConfigurationSerializer(serializers.Serializer):
    """Every section's effective values."""

    security = SECTIONS["security"](read_only=True)
    notifications = SECTIONS["notifications"](read_only=True)
    billing = SECTIONS["billing"](read_only=True)
    maintenance = SECTIONS["maintenance"](read_only=True)


class ConfigurationChangeSerializer(serializers.ModelSerializer):
    old_values = serializers.DictField(read_only=True)
    new_values = serializers.DictField(read_only=True)

    class Meta:
        model = ConfigurationChange
        fields = ["id", "section", "changed_by", "changed_at", "old_values", "new_values"]
        read_only_fields = fields


class ConfigurationChangeFilterSerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=sorted(SECTIONS), required=False)
