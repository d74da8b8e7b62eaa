"""Minting, checking and revoking tokens, with djangorestframework-simplejwt.

A login starts a *session* (the ``sid`` claim) at ``auth_time`` (OpenID Connect's claim): the
refresh token carries both through every rotation, so ``auth.login_succeeded`` and
``auth.logout`` name the same session without naming a token, and no token of a session lives
past ``auth_time`` + ``WANZO_API["SESSION_LIFETIME"]`` (30 days), however often it is refreshed.
Claims are read from the database at every issue, so a role change reaches the next access
token. Tokens name their signing key (``kid``, :mod:`wanzo_common.api.tokens`). Every refresh
token is listed (``OutstandingToken``) when issued; revoking one is blacklisting it, and a
blacklisted token is refused for ever. Revoking a user or a session also refuses their access
tokens here at once (:mod:`wanzo_common.api.revocation`); the other services learn it from the
events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from auth_service.metrics import TOKEN_GENERATION
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from wanzo_common.api.authentication import ORGANIZATION_CLAIM, ROLE_CLAIM, SESSION_CLAIM
from wanzo_common.api.conf import app_settings
from wanzo_common.api.revocation import session_revoke, user_revoke
from wanzo_common.api.tokens import AccessToken, KeySetMixin

from . import events
from .models import User

SESSION_START_CLAIM = "auth_time"


class RevokedTokenError(TokenError):
    """A well-signed refresh token that was blacklisted (rotated, logged out or revoked).

    ``payload`` is its verified claims: a rotated token used again ends its session.
    """

    def __init__(self, message: str, *, payload: dict[str, Any]) -> None:
        super().__init__(message)
        self.payload = payload


class WanzoRefreshToken(KeySetMixin, RefreshToken):
    access_token_class = AccessToken

    def check_blacklist(self) -> None:
        # simplejwt raises a bare TokenError for both a bad and a revoked token; the
        # auth_failures_total reason tells them apart. Signature and expiry were checked first.
        try:
            super().check_blacklist()
        except TokenError as exc:
            raise RevokedTokenError(str(exc), payload=dict(self.payload)) from exc


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    session_id: str


def session_end(claims: Any) -> int:
    """When the session of a token ends (epoch seconds); tokens without ``auth_time`` were
    issued before it existed: their session is counted from the token's own ``iat``."""
    started = claims.get(SESSION_START_CLAIM, claims.get("iat", 0))
    return int(started) + int(app_settings.SESSION_LIFETIME.total_seconds())


def token_pair_issue(
    *, user: User, session_id: str | None = None, session_started: int | None = None
) -> TokenPair:
    """A new refresh token (listed as outstanding) and its access token, with the user's claims.

    Without ``session_id`` a new session starts now; with it (a rotation), pass the session's
    ``session_started`` too: neither token outlives the session.
    """
    refresh = WanzoRefreshToken()
    refresh[api_settings.USER_ID_CLAIM] = str(user.id)
    refresh[ROLE_CLAIM] = user.role
    if user.organization_id:
        refresh[ORGANIZATION_CLAIM] = str(user.organization_id)
    refresh[SESSION_CLAIM] = session_id or str(uuid.uuid4())
    refresh[SESSION_START_CLAIM] = refresh["iat"] if session_started is None else session_started
    end = session_end(refresh.payload)
    refresh["exp"] = min(refresh["exp"], end)
    access = refresh.access_token
    access["exp"] = min(access["exp"], end)
    # To the microsecond: a revocation at instant T refuses tokens issued before T, and never
    # the pair issued just after it (a password change, a login after a reactivation).
    refresh["iat"] = access["iat"] = refresh.current_time.timestamp()
    pair = TokenPair(access=str(access), refresh=str(refresh), session_id=refresh[SESSION_CLAIM])
    # Listed as simplejwt's for_user would, but with every claim (the session is read back
    # from the listed token when a reuse ends it).
    OutstandingToken.objects.create(
        user=user, jti=refresh["jti"], token=pair.refresh, created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )  # fmt: skip
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


def user_tokens_revoke_all(*, user: User, decided_at: datetime | None = None) -> int:
    """Blacklist every refresh token of ``user`` not blacklisted yet, and refuse here every
    access token issued before now; returns how many refresh tokens.

    ``decided_at``: when another service decided it (the event's time), which the other
    services take as the revocation's instant. Sessions to which auth issued tokens since then
    (a refresh while the event was on its way) are ended everywhere (``auth.session_revoked``).
    """
    pending = list(OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True))
    rows = [BlacklistedToken(token=token) for token in pending]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    user_revoke(user_id=str(user.id), not_before=timezone.now())
    if decided_at is not None:
        late = {_session_of(row.token) for row in pending if row.created_at >= decided_at}
        for session_id in sorted(filter(None, late)):
            session_revoke(session_id=session_id, not_before=timezone.now())
            events.session_revoked(
                user_id=str(user.id), session_id=session_id, reason="issued_after_revocation"
            )
    return len(rows)


def session_tokens_revoke(*, user_id: str, session_id: str) -> int:
    """End a session: blacklist its live refresh tokens and refuse its access tokens here.

    Returns how many live refresh tokens it had (0: the session was already over). The
    listed tokens do not store their session, so the user's live ones are decoded (a user has
    a few: one per device and session).
    """
    live = OutstandingToken.objects.filter(
        user_id=user_id, blacklistedtoken__isnull=True, expires_at__gt=timezone.now()
    )
    rows = [BlacklistedToken(token=row) for row in live if _session_of(row.token) == session_id]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        session_revoke(session_id=session_id, not_before=timezone.now())
    return len(rows)


def _session_of(raw: str) -> str | None:
    # A token this database listed when auth signed it: its claims need no verification here.
    return jwt.decode(raw, options={"verify_signature": False}).get(SESSION_CLAIM)


def expired_tokens_flush() -> int:
    """Delete expired listed tokens (their blacklist rows go with them); returns how many.

    An expired token is refused on its signature's ``exp`` alone, so its rows only take space.
    """
    _, deleted = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted.get(OutstandingToken._meta.label, 0)
