"""The directory's API shapes: users, organisations, filters and operation bodies."""

from __future__ import annotations

from django.core.validators import RegexValidator
from rest_framework import serializers

from wanzo_common.api.roles import Role

from .models import Organization, UserRecord, UserStatus

# Ids as auth issues them (UUIDs), and anything id-like: never free text in a query.
EXTERNAL_ID = RegexValidator(r"^[A-Za-z0-9_.:-]{1,200}$", "Not a valid id.")


class OrganizationSerializer(serializers.ModelSerializer):
    user_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "country", "industry", "initial_plan", "created_at", "user_count"]


class UserRecordSerializer(serializers.ModelSerializer):
    organization_id = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = UserRecord
        fields = [
            "user_id",
            "email",
            "first_name",
            "last_name",
            "role",
            "status",
            "organization_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class UserFilterSerializer(serializers.Serializer):
    """Query parameters of the user list (ids and enums only)."""

    role = serializers.ChoiceField(choices=Role.choices, required=False)
    status = serializers.ChoiceField(choices=UserStatus.choices, required=False)
    organization = serializers.CharField(
        required=False,
        max_length=200,
        validators=[EXTERNAL_ID],
        help_text="An organisation id: its users only.",
    )


class StatusChangeSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_null=True, max_length=500)


class RoleChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
