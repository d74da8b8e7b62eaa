from __future__ import annotations

from rest_framework import serializers

from .models import MaintenanceService, MaintenanceWindow


class MaintenanceWindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaintenanceWindow
        fields = [
            "id",
            "service",
            "starts_at",
            "ends_at",
            "description",
            "scheduled_by",
            "created_at",
        ]
        read_only_fields = ["id", "scheduled_by", "created_at"]
        extra_kwargs = {"description": {"required": False, "allow_blank": True}}


class MaintenanceFilterSerializer(serializers.Serializer):
    service = serializers.ChoiceField(choices=MaintenanceService.choices, required=False)
    upcoming = serializers.BooleanField(
        required=False, default=False, help_text="Only windows that are not over."
    )
