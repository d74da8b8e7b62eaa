"""Device registration in, device out: the token is write-only and never serialised back."""

from __future__ import annotations

import json

from django.core.validators import URLValidator
from push.endpoints import EndpointRefused, endpoint_check
from rest_framework import serializers

from devices.models import Device, Platform

MAX_TOKEN_LENGTH = 4096


class WebPushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=256)
    auth = serializers.CharField(max_length=128)


class WebPushSubscriptionSerializer(serializers.Serializer):
    """What a browser's ``PushManager.subscribe()`` returns (``subscription.toJSON()``)."""

    endpoint = serializers.CharField(max_length=2048, validators=[URLValidator(schemes=["https"])])
    keys = WebPushKeysSerializer()

    def validate_endpoint(self, value: str) -> str:
        """A known push service's URL resolving to public addresses only (no SSRF)."""
        try:
            endpoint_check(value)
        except EndpointRefused as exc:
            raise serializers.ValidationError(f"Not an accepted push endpoint: {exc}.") from None
        return value


class DeviceRegisterSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    device_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    push_token = serializers.CharField(
        max_length=MAX_TOKEN_LENGTH, required=False, write_only=True,
        help_text="FCM or APNs token (android, ios).",
    )  # fmt: skip
    subscription = WebPushSubscriptionSerializer(
        required=False, write_only=True, help_text="Web Push subscription (web)."
    )

    def validate(self, attrs: dict) -> dict:
        if attrs["platform"] == Platform.WEB:
            if "subscription" not in attrs:
                raise serializers.ValidationError({"subscription": ["Required for a web device."]})
            attrs["token"] = json.dumps(attrs.pop("subscription"), sort_keys=True)
            attrs.pop("push_token", None)
        else:
            if not attrs.get("push_token"):
                raise serializers.ValidationError({"push_token": ["Required for a native device."]})
            attrs["token"] = attrs.pop("push_token")
            attrs.pop("subscription", None)
        return attrs


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "platform", "device_id", "active", "created_at", "updated_at"]
        read_only_fields = fields


class PushConfigSerializer(serializers.Serializer):
    vapid_public_key = serializers.CharField(allow_null=True)
