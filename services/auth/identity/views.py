"""The auth API: thin views over :mod:`identity.services` and :mod:`identity.selectors`.

Sign-up, login, refresh, logout and password reset take no access token
(``authentication_classes = []``: a stale ``Authorization`` header must not stop someone from
signing in). The others need one; as the token is verified without the database, each view
loads the user it names and answers 401 when that user does not exist here (or 403 when
disabled), never a server error. Each flow that takes a password or a token is throttled per
client and per account (``throttle_scope``, :mod:`identity.throttling`) before any hashing.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from . import selectors, services
from .permissions import IsSmeOwner
from .serializers import (
    AcceptedSerializer,
    ErrorSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    RefreshSerializer,
    RegisterSerializer,
    SessionSerializer,
    ThrottledSerializer,
    TokenPairSerializer,
    UserCreateSerializer,
    UserSerializer,
)
from .throttling import AccountThrottle, ClientThrottle, client_ident, email_key
from .tokens import refresh_token_parse

BAD_REQUEST = OpenApiResponse(OpenApiTypes.OBJECT, description="Field-level errors.")
REFUSED = OpenApiResponse(ErrorSerializer, description="Refused, with a stable code.")
THROTTLED = OpenApiResponse(ThrottledSerializer, description="Too many requests: wait.")
ACCEPTED = OpenApiResponse(AcceptedSerializer, description="The same for every address.")
REGISTERED = (
    "If this address can be used, the account is ready: sign in with it. If it already had "
    "one, its owner got an e-mail."
)
RESET_REQUESTED = "If this address has an account, a reset link is on its way to it."


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _session(user, pair) -> dict:
    return {"access": pair.access, "refresh": pair.refresh, "user": UserSerializer(user).data}


def _field(request, name: str) -> str | None:
    data = request.data
    value = data.get(name) if hasattr(data, "get") else None
    return value if isinstance(value, str) and value else None


class ThrottledView(APIView):
    """A flow throttled per client (``<scope>_ip``) and per account (``<scope>_account``)."""

    throttle_classes = [ClientThrottle, AccountThrottle]
    throttle_scope = ""
    auth_method = "password"  # the auth_failures_total label of its refusals

    def throttle_account(self, request) -> str | None:
        """The account the request is about (a hash or an id), or None."""
        raise NotImplementedError


class PublicView(ThrottledView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class ByAddressView(PublicView):
    """A public flow about the e-mail address it is sent: the account throttled is that one."""

    def throttle_account(self, request) -> str | None:
        email = _field(request, "email")
        return email_key(email) if email else None


class RegisterView(ByAddressView):
    throttle_scope = "register"

    @extend_schema(
        request=RegisterSerializer,
        responses={202: ACCEPTED, 400: BAD_REQUEST, 429: THROTTLED},
        description="Sign up: a new organisation and its owner (SME_OWNER); then sign in. "
        "The answer is the same for an address that already has an account (its owner gets "
        "an e-mail instead), so it tells no one who has one.",
    )
    def post(self, request):
        data = _valid(RegisterSerializer, request)
        organization = data.pop("organization")
        services.organization_register(
            **data,
            organization_name=organization["name"],
            country=organization.get("country", ""),
            industry=organization.get("industry", ""),
        )
        return Response({"detail": REGISTERED}, status=status.HTTP_202_ACCEPTED)


class LoginView(PublicView):
    throttle_scope = "login"

    def throttle_account(self, request) -> str | None:
        # The address *from this client*: a throttle on the address alone would let anyone
        # lock its owner out (ADR 0014).
        email = _field(request, "email")
        return f"{email_key(email)}:{client_ident(request)}" if email else None

    @extend_schema(
        request=LoginSerializer,
        responses={200: SessionSerializer, 400: BAD_REQUEST, 401: REFUSED, 429: THROTTLED},
        description="E-mail and password for an access and a refresh token. An unknown "
        "address, a wrong password and a disabled account get the same 401; repeated wrong "
        "passwords for an address from one client are refused for a while (429).",
    )
    def post(self, request):
        data = _valid(LoginSerializer, request)
        user, pair = services.session_login(**data, client=client_ident(request))
        return Response(_session(user, pair))


class RefreshView(PublicView):
    throttle_scope = "refresh"
    auth_method = "refresh_token"

    def throttle_account(self, request) -> str | None:
        # Only a live, well-signed token names an account (parsed as the service parses it):
        # a forged or a revoked one cannot spend its user's budget.
        raw = _field(request, "refresh")
        try:
            user_id = refresh_token_parse(raw).get(jwt_settings.USER_ID_CLAIM) if raw else None
        except TokenError:
            return None
        return str(user_id) if user_id else None

    @extend_schema(
        request=RefreshSerializer,
        responses={
            200: TokenPairSerializer,
            400: BAD_REQUEST,
            401: REFUSED,
            403: REFUSED,
            429: THROTTLED,
        },  # fmt: skip
        description="Rotate a refresh token: it is revoked and a new pair returned.",
    )
    def post(self, request):
        pair = services.session_refresh(**_valid(RefreshSerializer, request))
        return Response({"access": pair.access, "refresh": pair.refresh})


class LogoutView(PublicView):
    throttle_classes: list = []  # ends a session; guessing a refresh token gains nothing

    @extend_schema(
        request=RefreshSerializer,
        responses={204: None, 400: BAD_REQUEST, 401: REFUSED},
        description="Revoke the session's refresh token.",
    )
    def post(self, request):
        services.session_logout(**_valid(RefreshSerializer, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(ThrottledView):
    throttle_scope = "password_change"

    def throttle_account(self, request) -> str | None:
        return str(getattr(request.user, "id", "") or "") or None

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={
            200: TokenPairSerializer,
            400: BAD_REQUEST,
            401: REFUSED,
            403: REFUSED,
            429: THROTTLED,
        },  # fmt: skip
        description="Change the password (the old one required). Every refresh token of the "
        "user is revoked; a new pair is returned.",
    )
    def post(self, request):
        data = _valid(PasswordChangeSerializer, request)
        pair = services.user_password_change(
            user_id=request.user.id, **data, client=client_ident(request)
        )
        return Response({"access": pair.access, "refresh": pair.refresh})


class PasswordResetRequestView(ByAddressView):
    throttle_scope = "password_reset"

    @extend_schema(
        request=PasswordResetRequestSerializer,
        responses={202: ACCEPTED, 400: BAD_REQUEST, 429: THROTTLED},
        description="E-mail a single-use reset link to the address's account. The answer is "
        "the same for every address.",
    )
    def post(self, request):
        services.password_reset_request(**_valid(PasswordResetRequestSerializer, request))
        return Response({"detail": RESET_REQUESTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(PublicView):
    throttle_scope = "password_reset"
    auth_method = "reset_token"

    def throttle_account(self, request) -> str | None:
        uid = _field(request, "uid")
        return f"uid:{uid[:64]}" if uid else None

    @extend_schema(
        request=PasswordResetConfirmSerializer,
        responses={204: None, 400: BAD_REQUEST, 429: THROTTLED},
        description="A new password with the reset e-mail's uid and token. Every session of "
        "the user ends; sign in with the new password.",
    )
    def post(self, request):
        data = _valid(PasswordResetConfirmSerializer, request)
        services.password_reset_confirm(**data, client=client_ident(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


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
