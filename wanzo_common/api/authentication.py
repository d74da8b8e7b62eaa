"""Verifying the auth service's tokens in any service, with the public key alone.

No database lookup and no call to the auth service: the access token's signature, expiry,
issuer and audience are checked, and its claims become a :class:`WanzoUser`. A deactivated
user's access token stays valid until it expires (``JWT_ACCESS_TOKEN_LIFETIME``, 5 minutes by
default); their refresh tokens are revoked at once by the auth service.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.models import TokenUser

from wanzo_common.api.roles import INTERNAL_ROLES, user_type_label

ROLE_CLAIM = "role"
ORGANIZATION_CLAIM = "org"


class WanzoUser(TokenUser):
    """The user a token speaks for: ``id``, ``role``, ``organization_id`` (``None`` if internal)."""

    @cached_property
    def role(self) -> str:
        return self.token.get(ROLE_CLAIM, "")

    @cached_property
    def organization_id(self) -> str | None:
        return self.token.get(ORGANIZATION_CLAIM) or None

    @property
    def is_internal(self) -> bool:
        return self.role in INTERNAL_ROLES

    @property
    def user_type(self) -> str:
        """The bounded ``user_type`` metric label."""
        return user_type_label(self.role)

    def __str__(self) -> str:
        return f"WanzoUser {self.id} ({self.role})"


class JWTAuthentication(JWTStatelessUserAuthentication):
    """``Authorization: Bearer <access token>`` issued by the auth service."""
