from rest_framework import serializers

from push.models import Notification, NotificationType


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id", "notification_type", "priority", "title", "body", "data", "result",
            "devices_targeted", "devices_reached", "created_at", "delivered_at", "read_at",
        ]  # fmt: skip
        read_only_fields = fields


class NotificationFilterSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=NotificationType.choices, required=False)
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)
