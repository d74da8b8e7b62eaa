"""Notifications API: the user's own notifications, and a test push to one's own device."""

from __future__ import annotations

from devices.selectors import device_list
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from push import selectors, services
from push.models import Notification, NotificationType, Priority
from push.serializers import NotificationFilterSerializer, NotificationSerializer


@extend_schema(parameters=[NotificationFilterSerializer])
class NotificationListView(generics.ListAPIView):
    """The user's notifications, newest first (``?type=``, ``?unread=true``)."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        filters = NotificationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.notification_list(
            user_id=str(self.request.user.id),
            notification_type=filters.validated_data.get("type"),
            unread=filters.validated_data.get("unread"),
        )


class NotificationDetailView(generics.RetrieveAPIView):
    serializer_class = NotificationSerializer

    def get_queryset(self):
        return selectors.notification_list(user_id=str(self.request.user.id))


class NotificationReadView(APIView):
    """Mark one of the user's notifications read (idempotent)."""

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request: Request, pk) -> Response:
        notification = get_object_or_404(
            selectors.notification_list(user_id=str(request.user.id)), pk=pk
        )
        notification = services.notification_mark_read(notification=notification)
        return Response(NotificationSerializer(notification).data)


class DeviceTestView(APIView):
    """Send a test notification to one of the user's own devices (another's: 404)."""

    @extend_schema(request=None, responses={201: NotificationSerializer})
    def post(self, request: Request, pk) -> Response:
        device = get_object_or_404(device_list(user_id=str(request.user.id)), pk=pk)
        notification = services.notification_send(
            user_id=str(request.user.id),
            organization_id=request.user.organization_id,
            notification_type=NotificationType.TEST,
            priority=Priority.NORMAL,
            title="Test notification",
            body="Push notifications reach this device.",
            device_ids=[str(device.pk)] if device.active else [],
        )
        # Delivered on commit: at once here (no transaction open), so the result is final.
        notification = Notification.objects.get(pk=notification.pk)
        return Response(NotificationSerializer(notification).data, status=status.HTTP_201_CREATED)
