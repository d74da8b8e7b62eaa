"""Minting, checking and revoking tokens, with djangorestframework-simplejwt.

A login starts a *session* (the ``sid`` claim): the refresh token carries it through every
rotation, so ``auth.login_succeeded`` and ``auth.logout`` name the same session without naming a
token. Claims are read from the database at every issue, so a role change reaches the next
access token. Every refresh token is listed (``OutstandingToken``) when issued; revoking one is
blacklisting it, and a blacklisted token is refused for ever.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from auth_service.metrics import TOKEN_GENERATION
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from wanzo_common.api.authentication import ORGANIZATION_CLAIM, ROLE_CLAIM

from .models import User

SESSION_CLAIM = "sid"


class RevokedTokenError(TokenError):
    """A well-signed refresh token that was blacklisted (rotated, logged out or revoked)."""


class WanzoRefreshToken(RefreshToken):
    def check_blacklist(self) -> None:
        # simplejwt raises a bare TokenError for both a bad and a revoked token; the
        # auth_failures_total reason tells them apart. Signature and expiry were checked first.
        try:
            super().check_blacklist()
        except TokenError as exc:
            raise RevokedTokenError(str(exc)) from exc


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    session_id: str


def token_pair_issue(*, user: User, session_id: str | None = None) -> TokenPair:
    """A new refresh token (listed as outstanding) and its access token, with the user's claims."""
    refresh = WanzoRefreshToken.for_user(user)
    refresh[ROLE_CLAIM] = user.role
    if user.organization_id:
        refresh[ORGANIZATION_CLAIM] = str(user.organization_id)
    refresh[SESSION_CLAIM] = session_id or str(uuid.uuid4())
    pair = TokenPair(
        access=str(refresh.access_token), refresh=str(refresh), session_id=refresh[SESSION_CLAIM]
    )
    TOKEN_GENERATION.labels(token_type="access").inc()
    TOKEN_GENERATION.labels(token_type="refresh").inc()
    return pair


def refresh_token_parse(raw: str) -> WanzoRefreshToken:
    """The verified refresh token; raises :class:`TokenError` (:class:`RevokedTokenError`)."""
    return WanzoRefreshToken(raw)


def refresh_token_revoke(token: RefreshToken) -> bool:
    """Blacklist one refresh token; ``False`` if it already was (a concurrent use lost the race).

    The blacklist row is unique per token, so of two requests rotating the same token at once
    exactly one wins.
    """
    outstanding = OutstandingToken.objects.filter(jti=token["jti"]).first()
    if outstanding is None:  # signed by us but never listed: the database was reset
        return False
    with transaction.atomic():
        _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    return created


def user_tokens_revoke_all(*, user: User) -> int:
    """Blacklist every refresh token of ``user`` not blacklisted yet; returns how many."""
    pending = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    rows = [BlacklistedToken(token=token) for token in pending]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def expired_tokens_flush() -> int:
    """Delete expired listed tokens (their blacklist rows go with them); returns how many.

    An expired token is refused on its signature's ``exp`` alone, so its rows only take space.
    """
    _, deleted = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted.get(OutstandingToken._meta.label, 0)
