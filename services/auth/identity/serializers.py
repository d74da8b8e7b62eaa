"""The shapes of the auth API: input checked field by field, output documented for OpenAPI.

Only the form of a field is checked here (length, format, choices); the rules (a free
e-mail address, the password policy) are in :mod:`identity.services`.
"""

from __future__ import annotations

import pycountry
from rest_framework import serializers

from .models import Organization, User

COUNTRIES = sorted(country.alpha_2 for country in pycountry.countries)
PHONE = r"^\+?[0-9][0-9 ()-]{5,30}$"


def _password(**kwargs) -> serializers.CharField:
    # Never trimmed (spaces are part of a password) and never echoed back.
    return serializers.CharField(
        write_only=True, trim_whitespace=False, max_length=128, style={"input_type": "password"},
        **kwargs,
    )  # fmt: skip


class PersonInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = _password()
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    phone = serializers.RegexField(PHONE, max_length=32, required=False, allow_blank=True)


class OrganizationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    country = serializers.ChoiceField(
        COUNTRIES, required=False, allow_blank=True, help_text="ISO 3166-1 alpha-2 code."
    )
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)


class RegisterSerializer(PersonInputSerializer):
    organization = OrganizationInputSerializer()


class UserCreateSerializer(PersonInputSerializer):
    """A user added by an organisation's owner, in the owner's organisation."""


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = _password()


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096, write_only=True)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = _password()
    new_password = _password()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Bearer token for every service (minutes).")
    refresh = serializers.CharField(help_text="For /api/auth/token/refresh/ (days); rotated.")


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "country", "industry"]


class UserSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(allow_null=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id", "email", "first_name", "last_name", "phone", "role", "organization",
            "is_active", "date_joined", "last_login",
        ]  # fmt: skip
        read_only_fields = fields


class SessionSerializer(TokenPairSerializer):
    user = UserSerializer()


class ErrorSerializer(serializers.Serializer):
    """A refusal: ``code`` is stable (``invalid_credentials``, ``account_locked``...)."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


class ThrottledSerializer(ErrorSerializer):
    """429: ``throttled`` (a rate per client or per account) or ``too_many_attempts`` (wrong
    passwords for this address from this client): try again in ``retry_after`` seconds."""

    code = serializers.CharField()
    retry_after = serializers.IntegerField(help_text="Seconds to wait (also in Retry-After).")


class AcceptedSerializer(serializers.Serializer):
    """The same answer whatever the address: it tells no one whether an account exists."""

    detail = serializers.CharField()


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="From the reset e-mail.")
    token = serializers.CharField(max_length=128, help_text="From the reset e-mail; works once.")
    new_password = _password()
