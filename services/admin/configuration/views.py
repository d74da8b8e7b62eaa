"""The configuration API: internal users read it; internal admins patch a section at a time."""

from __future__ import annotations

from admin_service.permissions import InternalReadAdminWrite
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wanzo_common.api.permissions import IsInternal

from . import selectors, services
from .sections import SECTIONS
from .serializers import (
    ConfigurationChangeFilterSerializer,
    ConfigurationChangeSerializer,
    ConfigurationSerializer,
)


class ConfigurationView(APIView):
    """Every section's current values."""

    permission_classes = [IsInternal]

    @extend_schema(responses=ConfigurationSerializer)
    def get(self, request: Request) -> Response:
        return Response(ConfigurationSerializer(selectors.configuration_all()).data)


class SectionView(generics.GenericAPIView):
    """One section: GET its values; PATCH some of them (audited)."""

    permission_classes = [InternalReadAdminWrite]
    section: str = ""

    def get_serializer_class(self):
        return SECTIONS[self.section]

    def get(self, request: Request) -> Response:
        values = selectors.configuration_get(section=self.section)
        return Response(self.get_serializer(values).data)

    def patch(self, request: Request) -> Response:
        changes = self.get_serializer(data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        values = services.configuration_update(
            section=self.section,
            changes=dict(changes.validated_data),
            actor_id=str(request.user.id),
        )
        return Response(self.get_serializer(values).data)


# One view (and one OpenAPI path with its own typed body) per section.
SECTION_VIEWS = {
    section: type(f"{section.title()}SectionView", (SectionView,), {"section": section})
    for section in SECTIONS
}


class ConfigurationChangeListView(generics.ListAPIView):
    """The audit trail: who changed which settings, when, from what to what (newest first)."""

    permission_classes = [IsInternal]
    serializer_class = ConfigurationChangeSerializer

    @extend_schema(parameters=[ConfigurationChangeFilterSerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = ConfigurationChangeFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.configuration_change_list(section=filters.validated_data.get("section"))
