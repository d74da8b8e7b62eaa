"""Refusing, in every service, the access tokens auth has taken back, within a second.

Access tokens are verified offline (ADR 0012), so a token stays well-signed until it expires.
auth's events say when tokens must stop working: a user deactivated or deleted
(``user.status_changed``, ``user.deleted``: published by admin), a password changed or reset
(``auth.password_changed``), a session ended (``auth.logout``, ``auth.session_revoked``). Each
service's consumer turns them into :class:`~wanzo_common.api.models.Revocation` rows in its own
database (:mod:`wanzo_common.api.handlers`): "tokens of this user, or of this session, issued
before ``not_before`` are refused". :class:`~wanzo_common.api.authentication.JWTAuthentication`
asks :func:`is_revoked` on every request.

A row can refuse only tokens issued before it, and those expire within the access-token
lifetime, so rows older than that are deleted (at each write) and the table holds minutes of
revocations. Each process keeps a copy of all of them and reads the table again when its copy is
older than ``WANZO_API["REVOCATION_CACHE_SECONDS"]``: a request costs a dictionary lookup, plus
one small query at most every quarter of a second per process. A write in this process drops
its copy at once. ADR 0013 says why per service, and what it costs.

The instant is the event's time: the admin's decision, the password change, the logout. auth
issues its tokens with ``iat`` to the microsecond (RFC 7519 allows fractions), so the pair
issued right after a password change, or at a login right after a reactivation, is never taken
for an earlier one. The tokens auth issued between the admin's decision and its own applying it
are ended by auth as sessions (``auth.session_revoked``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from wanzo_common.api.conf import app_settings

__all__ = [
    "SESSION_CLAIM",
    "forget",
    "is_revoked",
    "revocations_prune",
    "session_revoke",
    "user_revoke",
]

SESSION_CLAIM = "sid"
# Beyond the access-token lifetime, for clocks a little apart: rows live this much longer.
CLOCK_MARGIN = timedelta(seconds=60)


def user_revoke(*, user_id: str, not_before: datetime) -> None:
    """Refuse ``user_id``'s tokens issued (``iat``) before ``not_before``."""
    _raise(kind="user", subject=str(user_id), not_before=not_before)


def session_revoke(*, session_id: str, not_before: datetime) -> None:
    """Refuse the tokens of session ``session_id`` issued before ``not_before`` (auth issues
    none after a session ends, so: all of them)."""
    _raise(kind="session", subject=str(session_id), not_before=not_before)


def _raise(*, kind: str, subject: str, not_before: datetime) -> None:
    from wanzo_common.api.models import Revocation

    with transaction.atomic():
        row = Revocation.objects.select_for_update().filter(kind=kind, subject=subject).first()
        if row is None:
            Revocation.objects.create(kind=kind, subject=subject, not_before=not_before)
        elif row.not_before < not_before:  # never lowered by an older event arriving late
            row.not_before = not_before
            row.save(update_fields=["not_before"])
        revocations_prune()
        transaction.on_commit(forget)
    forget()


def revocations_prune(*, now: datetime | None = None) -> int:
    """Delete the rows that can no longer refuse a live token; returns how many."""
    from wanzo_common.api.models import Revocation

    deleted, _ = Revocation.objects.filter(not_before__lt=_oldest_useful(now)).delete()
    return deleted


def _oldest_useful(now: datetime | None = None) -> datetime:
    from rest_framework_simplejwt.settings import api_settings

    from wanzo_common.api.tokens import leeway

    return (now or timezone.now()) - api_settings.ACCESS_TOKEN_LIFETIME - leeway() - CLOCK_MARGIN


@dataclass(frozen=True)
class _Copy:
    """This process's copy of the live rows, as epoch seconds by subject."""

    users: dict[str, float] = field(default_factory=dict)
    sessions: dict[str, float] = field(default_factory=dict)
    read_at: float = 0.0


_copy: _Copy | None = None


def forget() -> None:
    """Drop this process's copy: the next request reads the table."""
    global _copy
    _copy = None


def _current() -> _Copy:
    global _copy
    copy = _copy
    if copy is None or time.monotonic() - copy.read_at >= app_settings.REVOCATION_CACHE_SECONDS:
        copy = _copy = _read()
    return copy


def _read() -> _Copy:
    from wanzo_common.api.models import Revocation

    copy = _Copy(read_at=time.monotonic())
    rows = Revocation.objects.filter(not_before__gte=_oldest_useful())
    for kind, subject, not_before in rows.values_list("kind", "subject", "not_before"):
        table = copy.users if kind == "user" else copy.sessions
        table[subject] = not_before.timestamp()
    return copy


def is_revoked(payload: Mapping[str, Any]) -> bool:
    """Whether a verified token's claims name a revoked user or session."""
    from rest_framework_simplejwt.settings import api_settings

    copy = _current()
    if not copy.users and not copy.sessions:
        return False
    issued = payload.get("iat")
    issued = issued if isinstance(issued, int | float) else 0.0  # no time: older than any row
    for table, subject in (
        (copy.users, payload.get(api_settings.USER_ID_CLAIM)),
        (copy.sessions, payload.get(SESSION_CLAIM)),
    ):
        not_before = table.get(str(subject)) if subject is not None else None
        if not_before is not None and issued < not_before:
            return True
    return False
