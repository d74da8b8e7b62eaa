"""Plans and subscriptions API.

Internal admins create and change subscriptions; internal staff read them all; an
organisation's users read their own organisation's (another's is 404).
"""

from __future__ import annotations

from uuid import UUID

from admin_service.errors import ErrorSerializer
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wanzo_common.api.permissions import IsInternalAdmin, IsOrganizationMember

from . import selectors, services
from .serializers import (
    CancelSerializer,
    PlanChangeSerializer,
    PlanSerializer,
    SubscriptionCreateSerializer,
    SubscriptionFilterSerializer,
    SubscriptionSerializer,
)

REFUSED = {409: OpenApiResponse(ErrorSerializer, description="Refused, with the reason.")}


class PlanListView(generics.ListAPIView):
    """The plan catalogue."""

    serializer_class = PlanSerializer

    def get_queryset(self):
        return selectors.plan_list()


class SubscriptionListView(generics.ListCreateAPIView):
    """Subscriptions the user may see; internal admins subscribe an organisation to a plan."""

    serializer_class = SubscriptionSerializer

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [IsAuthenticated()]
        return [IsAuthenticated(), IsInternalAdmin()]

    @extend_schema(parameters=[SubscriptionFilterSerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = SubscriptionFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return selectors.subscription_list(
            user=self.request.user,
            organization_id=data.get("organization"),
            status=data.get("status"),
            plan=data.get("plan"),
        )

    @extend_schema(
        request=SubscriptionCreateSerializer, responses={201: SubscriptionSerializer, **REFUSED}
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        """Subscribe an organisation of the directory (``subscription.created``)."""
        body = SubscriptionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        subscription = services.subscription_create(
            organization_id=data["organization_id"],
            plan_code=data["plan"],
            trial_days=data["trial_days"],
            ends_at=data.get("ends_at"),
            actor_id=str(request.user.id),
        )
        return Response(SubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)


class SubscriptionDetailView(APIView):
    @extend_schema(responses=SubscriptionSerializer)
    def get(self, request: Request, subscription_id: UUID) -> Response:
        subscription = selectors.subscription_get(
            user=request.user, subscription_id=subscription_id
        )
        if subscription is None:
            raise Http404
        return Response(SubscriptionSerializer(subscription).data)


class CurrentSubscriptionView(APIView):
    """The subscription of the user's own organisation (its live one, else its latest)."""

    permission_classes = [IsOrganizationMember]

    @extend_schema(responses=SubscriptionSerializer)
    def get(self, request: Request) -> Response:
        subscription = selectors.subscription_current(user=request.user)
        if subscription is None:
            raise Http404
        return Response(SubscriptionSerializer(subscription).data)


class _SubscriptionOperationView(APIView):
    permission_classes = [IsInternalAdmin]
    body_serializer = None

    def post(self, request: Request, subscription_id: UUID) -> Response:
        extra = {}
        if self.body_serializer is not None:
            body = self.body_serializer(data=request.data)
            body.is_valid(raise_exception=True)
            extra = body.validated_data
        subscription = self.operate(subscription_id=subscription_id, request=request, **extra)
        return Response(SubscriptionSerializer(subscription).data)


@extend_schema(request=PlanChangeSerializer, responses={200: SubscriptionSerializer, **REFUSED})
class SubscriptionChangePlanView(_SubscriptionOperationView):
    """Move a live subscription to another plan (``subscription.changed``)."""

    body_serializer = PlanChangeSerializer

    def operate(self, *, subscription_id, request, plan):
        return services.subscription_change_plan(
            subscription_id=subscription_id, plan_code=plan, actor_id=str(request.user.id)
        )


@extend_schema(request=None, responses={200: SubscriptionSerializer, **REFUSED})
class SubscriptionActivateView(_SubscriptionOperationView):
    """End a trial or settle a past-due subscription (``subscription.changed``)."""

    def operate(self, *, subscription_id, request):
        return services.subscription_activate(
            subscription_id=subscription_id, actor_id=str(request.user.id)
        )


@extend_schema(request=None, responses={200: SubscriptionSerializer, **REFUSED})
class SubscriptionPastDueView(_SubscriptionOperationView):
    """An active subscription whose payment is overdue (``subscription.changed``)."""

    def operate(self, *, subscription_id, request):
        return services.subscription_mark_past_due(
            subscription_id=subscription_id, actor_id=str(request.user.id)
        )


@extend_schema(request=CancelSerializer, responses={200: SubscriptionSerializer, **REFUSED})
class SubscriptionCancelView(_SubscriptionOperationView):
    """Cancel a live subscription (``subscription.cancelled``)."""

    body_serializer = CancelSerializer

    def operate(self, *, subscription_id, request, reason=None):
        return services.subscription_cancel(
            subscription_id=subscription_id, actor_id=str(request.user.id), reason=reason
        )


@extend_schema(request=None, responses={200: SubscriptionSerializer, **REFUSED})
class SubscriptionExpireView(_SubscriptionOperationView):
    """Expire a live subscription now (``subscription.expired``)."""

    def operate(self, *, subscription_id, request):
        return services.subscription_expire(subscription_id=subscription_id)
