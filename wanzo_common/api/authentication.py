"""Verifying the auth service's tokens in any service, with the public keys and no call to auth.

The access token's signature (with the key its ``kid`` names, :mod:`wanzo_common.api.tokens`),
expiry, issuer and audience are checked, then whether it was revoked: a token of a user auth
deactivated, deleted or gave a new password, or of a session that ended, is refused within a
second of the event (:mod:`wanzo_common.api.revocation`: a lookup in a per-process copy of this
service's revocations, read again at most every quarter of a second). Its claims become a
:class:`WanzoUser`.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.models import TokenUser

from wanzo_common.api import revocation
from wanzo_common.api.roles import INTERNAL_ROLES, user_type_label

ROLE_CLAIM = "role"
ORGANIZATION_CLAIM = "org"
SESSION_CLAIM = revocation.SESSION_CLAIM


class WanzoUser(TokenUser):
    """The user a token speaks for: ``id``, ``role``, ``organization_id`` (``None`` if internal)."""

    @cached_property
    def role(self) -> str:
        return self.token.get(ROLE_CLAIM, "")

    @cached_property
    def organization_id(self) -> str | None:
        return self.token.get(ORGANIZATION_CLAIM) or None

    @cached_property
    def session_id(self) -> str | None:
        return self.token.get(SESSION_CLAIM) or None

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
    """``Authorization: Bearer <access token>`` issued by the auth service, not revoked since."""

    def get_validated_token(self, raw_token: bytes):
        token = super().get_validated_token(raw_token)
        if revocation.is_revoked(token.payload):
            raise InvalidToken({"detail": "The token was revoked.", "code": "token_revoked"})
        return token
