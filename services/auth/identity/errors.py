"""Why the auth service refuses: domain errors the views turn into 4xx answers.

Each carries a ``reason`` from a fixed set: it is the ``auth_failures_total`` label, the
``auth.login_failed`` reason (where that event applies) and the ``code`` of the error body.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class Reason(StrEnum):
    INVALID_CREDENTIALS = "invalid_credentials"
    UNKNOWN_USER = "unknown_user"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_DISABLED = "account_disabled"
    TOKEN_INVALID = "token_invalid"
    TOKEN_REVOKED = "token_revoked"


class AuthRefused(Exception):
    """An authentication attempt refused; recorded (metrics, events) before it is raised."""

    def __init__(self, reason: Reason, *, locked_until: datetime | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.locked_until = locked_until


class UserNotFound(Exception):
    """The user a (well-signed) token names is not in this database."""
