from rest_framework import serializers

from app_sessions.models import AppSession, DeviceOS


class AppSessionStartSerializer(serializers.Serializer):
    device_os = serializers.ChoiceField(choices=DeviceOS.choices)
    app_version = serializers.CharField(max_length=64)
    device_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")


class AppSessionSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = AppSession
        fields = [
            "id", "device_os", "app_version", "device_id", "started_at", "ended_at",
            "duration_seconds",
        ]  # fmt: skip
        read_only_fields = fields
