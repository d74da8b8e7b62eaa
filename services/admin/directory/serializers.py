"""The directory's API shapes: users, organisations, filters and operation bodies."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
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


def _activity(user: UserRecord):
    try:
        return user.login_activity
    except ObjectDoesNotExist:  # no sign-in event yet
        return None


class UserRecordSerializer(serializers.ModelSerializer):
    """A user, with their sign-ins as auth's events told them (times are the events' times)."""

    organization_id = serializers.CharField(read_only=True, allow_null=True)
    last_login_at = serializers.DateTimeField(
        source="login_activity.last_login_at", read_only=True, allow_null=True, default=None
    )
    last_failed_login_at = serializers.DateTimeField(
        source="login_activity.last_failed_login_at", read_only=True, allow_null=True, default=None
    )
    failed_logins = serializers.SerializerMethodField(
        help_text="Failed logins since the last successful one."
    )
    locked_until = serializers.DateTimeField(
        source="login_activity.locked_until", read_only=True, allow_null=True, default=None
    )
    locked = serializers.SerializerMethodField(help_text="Locked out by failed logins now.")

    @extend_schema_field(serializers.IntegerField(min_value=0))
    def get_failed_logins(self, user: UserRecord) -> int:
        activity = _activity(user)
        return activity.failed_logins if activity else 0

    @extend_schema_field(serializers.BooleanField())
    def get_locked(self, user: UserRecord) -> bool:
        activity = _activity(user)
        return bool(activity and activity.locked_until and activity.locked_until > timezone.now())

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
            "last_login_at",
            "last_failed_login_at",
            "failed_logins",
            "locked_until",
            "locked",
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
    locked = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: users locked out by failed logins now; false: the others.",
    )


class StatusChangeSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_null=True, max_length=500)


class RoleChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
