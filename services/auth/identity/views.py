"""The auth API: thin views over :mod:`identity.services` and :mod:`identity.selectors`.

Sign-up, login, refresh and logout take no access token (``authentication_classes = []``: a
stale ``Authorization`` header must not stop someone from signing in). The others need one;
as the token is verified without the database, each view loads the user it names and answers
401 when that user does not exist here (or 403 when disabled), never a server error.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .permissions import IsSmeOwner
from .serializers import (
    ErrorSerializer,
    LockedSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    RefreshSerializer,
    RegisterSerializer,
    SessionSerializer,
    TokenPairSerializer,
    UserCreateSerializer,
    UserSerializer,
)

BAD_REQUEST = OpenApiResponse(OpenApiTypes.OBJECT, description="Field-level errors.")
REFUSED = OpenApiResponse(ErrorSerializer, description="Refused, with a stable code.")
LOCKED = OpenApiResponse(LockedSerializer, description="Locked after repeated failures.")


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _session(user, pair) -> dict:
    return {"access": pair.access, "refresh": pair.refresh, "user": UserSerializer(user).data}


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class RegisterView(PublicView):
    @extend_schema(
        request=RegisterSerializer,
        responses={201: SessionSerializer, 400: BAD_REQUEST},
        description="Sign up: a new organisation and its owner (SME_OWNER), signed in.",
    )
    def post(self, request):
        data = _valid(RegisterSerializer, request)
        organization = data.pop("organization")
        user, pair = services.organization_register(
            **data,
            organization_name=organization["name"],
            country=organization.get("country", ""),
            industry=organization.get("industry", ""),
        )
        return Response(_session(user, pair), status=status.HTTP_201_CREATED)


class LoginView(PublicView):
    @extend_schema(
        request=LoginSerializer,
        responses={
            200: SessionSerializer,
            400: BAD_REQUEST,
            401: REFUSED,
            403: REFUSED,
            423: LOCKED,
        },
        description="E-mail and password for an access and a refresh token. Repeated failures "
        "lock the account for a while (423, with the end of the lockout).",
    )
    def post(self, request):
        user, pair = services.session_login(**_valid(LoginSerializer, request))
        return Response(_session(user, pair))


class RefreshView(PublicView):
    @extend_schema(
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 400: BAD_REQUEST, 401: REFUSED, 403: REFUSED},
        description="Rotate a refresh token: it is revoked and a new pair returned.",
    )
    def post(self, request):
        pair = services.session_refresh(**_valid(RefreshSerializer, request))
        return Response({"access": pair.access, "refresh": pair.refresh})


class LogoutView(PublicView):
    @extend_schema(
        request=RefreshSerializer,
        responses={204: None, 400: BAD_REQUEST, 401: REFUSED},
        description="Revoke the session's refresh token.",
    )
    def post(self, request):
        services.session_logout(**_valid(RefreshSerializer, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    @extend_schema(
        request=PasswordChangeSerializer,
        responses={
            200: TokenPairSerializer,
            400: BAD_REQUEST,
            401: REFUSED,
            403: REFUSED,
            423: LOCKED,
        },
        description="Change the password (the old one required). Every refresh token of the "
        "user is revoked; a new pair is returned.",
    )
    def post(self, request):
        data = _valid(PasswordChangeSerializer, request)
        pair = services.user_password_change(user_id=request.user.id, **data)
        return Response({"access": pair.access, "refresh": pair.refresh})


class MeView(APIView):
    @extend_schema(responses={200: UserSerializer, 401: REFUSED, 403: REFUSED})
    def get(self, request):
        return Response(UserSerializer(services.session_user(user_id=request.user.id)).data)


class OrganizationUsersView(generics.GenericAPIView):
    """The users of the caller's own organisation (owners only)."""

    permission_classes = [IsSmeOwner]
    serializer_class = UserSerializer

    def get_queryset(self):
        return selectors.organization_user_list(organization_id=self.request.user.organization_id)

    @extend_schema(responses={200: UserSerializer(many=True), 401: REFUSED, 403: REFUSED})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(UserSerializer(page, many=True).data)

    @extend_schema(
        request=UserCreateSerializer,
        responses={201: UserSerializer, 400: BAD_REQUEST, 401: REFUSED, 403: REFUSED},
        description="Add an SME_USER to the caller's organisation.",
    )
    def post(self, request):
        data = _valid(UserCreateSerializer, request)
        owner = services.session_user(user_id=request.user.id)
        user = services.organization_user_create(owner=owner, **data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class OrganizationUserDetailView(APIView):
    permission_classes = [IsSmeOwner]

    @extend_schema(responses={200: UserSerializer, 404: REFUSED})
    def get(self, request, user_id: str):
        user = selectors.organization_user_get(
            organization_id=request.user.organization_id, user_id=user_id
        )
        if user is None:  # another organisation's user is simply not found
            raise NotFound()
        return Response(UserSerializer(user).data)
