"""Sales API: record a sale (POST), list and read the organisation's sales."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from sales import selectors, services
from sales.serializers import SaleCreateSerializer, SaleFilterSerializer, SaleSerializer
from wanzo_common.api.permissions import IsOrganizationMember


class SaleListCreateView(generics.ListAPIView):
    """The organisation's sales (``?status=``); POST records one (201; 200: already recorded)."""

    serializer_class = SaleSerializer
    permission_classes = [IsOrganizationMember]

    @extend_schema(parameters=[SaleFilterSerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = SaleFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.sale_list(
            organization_id=self.request.user.organization_id,
            status=filters.validated_data.get("status"),
        )

    @extend_schema(
        request=SaleCreateSerializer, responses={201: SaleSerializer, 200: SaleSerializer}
    )
    def post(self, request: Request) -> Response:
        incoming = SaleCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            sale, created = services.sale_record(
                organization_id=request.user.organization_id,
                user_id=str(request.user.id),
                **incoming.validated_data,
            )
        except services.TransactionIdTaken:
            raise ValidationError(
                {"transaction_id": ["This transaction id is already used."]}
            ) from None
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(SaleSerializer(sale).data, status=code)


class SaleDetailView(generics.RetrieveAPIView):
    """One of the organisation's sales, by its transaction id (another organisation's: 404)."""

    serializer_class = SaleSerializer
    permission_classes = [IsOrganizationMember]
    lookup_field = "transaction_id"

    def get_queryset(self):
        return selectors.sale_list(organization_id=self.request.user.organization_id)
