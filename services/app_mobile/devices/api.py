"""Devices API: register a push token, list and unregister one's own devices."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from devices import selectors, services
from devices.serializers import DeviceRegisterSerializer, DeviceSerializer, PushConfigSerializer


class DeviceListCreateView(generics.ListAPIView):
    """A user's own devices; POST registers a device (201, or 200 for a token already known;
    409 for a token another organisation registered)."""

    serializer_class = DeviceSerializer

    def get_queryset(self):
        return selectors.device_list(user_id=str(self.request.user.id))

    @extend_schema(
        request=DeviceRegisterSerializer,
        responses={
            201: DeviceSerializer,
            200: DeviceSerializer,
            409: OpenApiResponse(description="The token is registered by another organisation."),
        },
    )
    def post(self, request: Request) -> Response:
        incoming = DeviceRegisterSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        device, created = services.device_register(
            user_id=str(request.user.id),
            organization_id=request.user.organization_id,
            platform=data["platform"],
            token=data["token"],
            device_id=data["device_id"],
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(DeviceSerializer(device).data, status=code)


class DeviceDetailView(mixins.DestroyModelMixin, generics.RetrieveAPIView):
    """One of the user's devices (another user's: 404); DELETE stops sending to it."""

    serializer_class = DeviceSerializer

    def get_queryset(self):
        return selectors.device_list(user_id=str(self.request.user.id))

    def perform_destroy(self, instance) -> None:
        services.device_deactivate(device=instance)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, *args, **kwargs) -> Response:
        return self.destroy(request, *args, **kwargs)


class PushConfigView(APIView):
    """What a web client needs to subscribe: the server's VAPID public key (or null)."""

    @extend_schema(responses=PushConfigSerializer)
    def get(self, request: Request) -> Response:
        from push.conf import app_settings

        return Response(
            PushConfigSerializer({"vapid_public_key": app_settings.VAPID_PUBLIC_KEY}).data
        )
