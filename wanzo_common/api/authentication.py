"""Verifying the auth service's tokens in any service, with the public keys and no call to auth.

The access token's signature (with the key its ``kid`` names, :mod:`wanzo_common.api.tokens`),
expiry, issuer and audience are checked, then whether it was revoked: a token of a user auth
deactivated, deleted or gave a new password, or of a session that ended, is refused within a
second of the event (:mod:`wanzo_common.api.revocation`: a lookup in a per-process copy of this
service's revocations, read again at most every quarter of a second). Its claims become a
:class:`WanzoUser`.

A client sends the same access token with every request of its five minutes, so each process
remembers the tokens it verified, by their exact text, until they expire (at most
:data:`VERIFIED_MAX`, least recently used first out): the signature, issuer, audience and claims
of a byte-identical token cannot have changed, and verifying them again was ~6 % of a web
worker's CPU (issue 17). Expiry is checked again on every use, revocation on every request, and a
change of the key set or of the token settings forgets every entry. A token that fails
verification is never remembered.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import cached_property
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.models import TokenUser

from wanzo_common.api import revocation
from wanzo_common.api.roles import INTERNAL_ROLES, user_type_label
from wanzo_common.api.tokens import leeway

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


VERIFIED_MAX = 4096


class _VerifiedTokens:
    """The tokens this process verified, by their text, until their ``exp`` (plus the leeway)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.tokens: OrderedDict[bytes, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, raw_token: bytes) -> Any | None:
        with self.lock:
            token = self.tokens.get(raw_token)
            if token is None:
                return None
            if token.payload.get("exp", 0) + leeway().total_seconds() <= time.time():
                del self.tokens[raw_token]  # expired: verified again, and refused with its reason
                return None
            self.tokens.move_to_end(raw_token)
            return token

    def put(self, raw_token: bytes, token: Any) -> None:
        with self.lock:
            self.tokens[raw_token] = token
            if len(self.tokens) > self.size:
                self.tokens.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.tokens.clear()


_verified = _VerifiedTokens(VERIFIED_MAX)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("SIMPLE_JWT", "WANZO_API"):
        _verified.clear()


class JWTAuthentication(JWTStatelessUserAuthentication):
    """``Authorization: Bearer <access token>`` issued by the auth service, not revoked since."""

    def get_validated_token(self, raw_token: bytes):
        token = _verified.get(raw_token)
        if token is None:
            token = super().get_validated_token(raw_token)
            _verified.put(raw_token, token)
        if revocation.is_revoked(token.payload):
            raise InvalidToken({"detail": "The token was revoked.", "code": "token_revoked"})
        return token
