"""Sync API: apply a batch of offline changes; list the organisation's synced records."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sync import selectors, services
from sync.serializers import (
    SyncBatchDocSerializer,
    SyncBatchResultSerializer,
    SyncBatchSerializer,
    SyncRecordFilterSerializer,
    SyncRecordSerializer,
)
from wanzo_common.api.permissions import IsOrganizationMember


class SyncBatchView(APIView):
    """Apply a batch of changes made offline; one result per item, in order.

    Each item is ``applied``, ``duplicate`` (its id was processed before: nothing changes),
    ``conflict`` (the record changed on the server since the item's version: the server's
    state comes back) or ``rejected`` (with field errors).
    """

    permission_classes = [IsOrganizationMember]

    @extend_schema(request=SyncBatchDocSerializer, responses=SyncBatchResultSerializer)
    def post(self, request: Request) -> Response:
        incoming = SyncBatchSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        outcome = services.sync_batch_apply(
            organization_id=request.user.organization_id,
            user_id=str(request.user.id),
            items=incoming.validated_data["items"],
        )
        return Response(outcome)  # plain JSON in the documented shape (see the service)


@extend_schema(parameters=[SyncRecordFilterSerializer])
class SyncRecordListView(generics.ListAPIView):
    """The organisation's synced customers, products and expenses (``?data_type=``)."""

    serializer_class = SyncRecordSerializer
    permission_classes = [IsOrganizationMember]

    def get_queryset(self):
        filters = SyncRecordFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.sync_record_list(
            organization_id=self.request.user.organization_id,
            data_type=filters.validated_data.get("data_type"),
        )
