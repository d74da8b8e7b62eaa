"""Maintenance API: internal admins schedule windows; every signed-in user can read them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from wanzo_common.api.permissions import IsInternalAdmin

from . import selectors, services
from .serializers import MaintenanceFilterSerializer, MaintenanceWindowSerializer


class MaintenanceWindowListView(generics.ListCreateAPIView):
    """Maintenance windows (everyone: users see what is planned); scheduling is for admins."""

    serializer_class = MaintenanceWindowSerializer

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [IsAuthenticated()]
        return [IsAuthenticated(), IsInternalAdmin()]

    @extend_schema(parameters=[MaintenanceFilterSerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = MaintenanceFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.maintenance_list(**filters.validated_data)

    def create(self, request: Request, *args, **kwargs) -> Response:
        """Schedule a window and announce it (``system.maintenance_scheduled``)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        window = services.maintenance_schedule(
            **serializer.validated_data, actor_id=str(request.user.id)
        )
        return Response(self.get_serializer(window).data, status=status.HTTP_201_CREATED)
