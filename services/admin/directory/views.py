"""The directory's API: internal users read it, internal admins operate on users."""

from __future__ import annotations

from admin_service.errors import ErrorSerializer
from admin_service.permissions import InternalReadAdminWrite
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wanzo_common.api.permissions import IsInternal, IsInternalAdmin

from . import selectors, services
from .serializers import (
    OrganizationSerializer,
    RoleChangeSerializer,
    StatusChangeSerializer,
    UserFilterSerializer,
    UserRecordSerializer,
)

REFUSED = {409: OpenApiResponse(ErrorSerializer, description="Refused, with the reason.")}


class UserListView(generics.ListAPIView):
    """Users of the platform, filtered by role, status, organisation and lock."""

    permission_classes = [IsInternal]
    serializer_class = UserRecordSerializer

    @extend_schema(parameters=[UserFilterSerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = UserFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return selectors.user_list(
            role=data.get("role"),
            status=data.get("status"),
            organization_id=data.get("organization"),
            locked=data.get("locked"),
        )


class UserDetailView(APIView):
    permission_classes = [InternalReadAdminWrite]

    @extend_schema(responses=UserRecordSerializer)
    def get(self, request: Request, user_id: str) -> Response:
        user = selectors.user_get(user_id=user_id)
        if user is None:
            raise Http404
        return Response(UserRecordSerializer(user).data)

    @extend_schema(responses={204: None, **REFUSED})
    def delete(self, request: Request, user_id: str) -> Response:
        """Delete the user: personal data erased, ``user.deleted`` published."""
        services.user_delete(user_id=user_id, actor_id=str(request.user.id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class _UserOperationView(APIView):
    permission_classes = [IsInternalAdmin]
    body_serializer = StatusChangeSerializer

    def post(self, request: Request, user_id: str) -> Response:
        body = self.body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = self.operate(user_id=user_id, actor_id=str(request.user.id), **body.validated_data)
        return Response(UserRecordSerializer(user).data)


@extend_schema(request=StatusChangeSerializer, responses={200: UserRecordSerializer, **REFUSED})
class UserDeactivateView(_UserOperationView):
    """Deactivate the user (auth refuses their logins); ``user.status_changed``."""

    operate = staticmethod(services.user_deactivate)


@extend_schema(request=StatusChangeSerializer, responses={200: UserRecordSerializer, **REFUSED})
class UserReactivateView(_UserOperationView):
    """Reactivate a deactivated user; ``user.status_changed``."""

    operate = staticmethod(services.user_reactivate)


@extend_schema(request=RoleChangeSerializer, responses={200: UserRecordSerializer, **REFUSED})
class UserRoleView(_UserOperationView):
    """Change the user's role; ``user.role_changed``."""

    body_serializer = RoleChangeSerializer
    operate = staticmethod(services.user_change_role)


class OrganizationListView(generics.ListAPIView):
    """Organisations known to the directory, with their number of users."""

    permission_classes = [IsInternal]
    serializer_class = OrganizationSerializer

    def get_queryset(self):
        return selectors.organization_list()


class OrganizationDetailView(APIView):
    permission_classes = [IsInternal]

    @extend_schema(responses=OrganizationSerializer)
    def get(self, request: Request, organization_id: str) -> Response:
        organization = selectors.organization_get(organization_id=organization_id)
        if organization is None:
            raise Http404
        return Response(OrganizationSerializer(organization).data)
