"""Database connections kept healthy around consumed messages, at a bounded cost.

Django checks connections around each request (``close_old_connections``: drop a connection
past ``CONN_MAX_AGE`` or one that saw an error, and, with ``CONN_HEALTH_CHECKS``, run
``SELECT 1`` before the next query). Done around every message, that is a round trip per event,
often more than the handler's own work. The services leave ``CONN_HEALTH_CHECKS`` off (a
request that meets a broken connection fails and Django drops it after that request;
``wanzo_common.settings``), so the check here runs ``SELECT 1`` itself. :class:`ConnectionGuard` runs the same check before a message
only when a connection may have gone bad unseen: before the first message, after the consumer
sat idle (an empty poll), after an error, and otherwise at most once per
:data:`CHECK_INTERVAL` seconds. A connection the server dropped while the consumer waited is
therefore still found and replaced before the next message touches it, and a connection that
fails while busy raises in a handler, whose retry runs the check again.
"""

from __future__ import annotations

import time

from django.db import connections

__all__ = ["CHECK_INTERVAL", "ConnectionGuard", "close_old_connections"]

CHECK_INTERVAL = 1.0


def close_old_connections() -> None:
    """Django's ``close_old_connections`` (run around requests), for consumed messages.

    Connections inside an atomic block are left alone: closing one would abort a transaction
    the caller owns (a test's, typically), which Django's version does not check.
    """
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()
            if _unchecked(conn) and not conn.is_usable():
                conn.close()


def _unchecked(conn) -> bool:
    """Open, and Django will not check it itself before its next query."""
    return conn.connection is not None and not conn.settings_dict.get("CONN_HEALTH_CHECKS")


def errors_occurred() -> bool:
    """Whether a connection saw a database error since it was last checked."""
    return any(conn.errors_occurred for conn in connections.all(initialized_only=True))


class ConnectionGuard:
    """Decides when a consumer runs :func:`close_old_connections` (one per engine and thread)."""

    def __init__(self, *, interval: float | None = None) -> None:
        self.interval = CHECK_INTERVAL if interval is None else interval
        self.due = True  # before the first message
        self.checked_at = 0.0

    def before_message(self) -> None:
        now = time.monotonic()
        if self.due or now - self.checked_at >= self.interval:
            close_old_connections()
            self.checked_at = now
            self.due = False

    def after_message(self, *, failed: bool = False) -> None:
        """After an error, check at once (as Django does after a request) and again next time.

        ``failed``: the message raised or was dead-lettered; a database error that a handler
        swallowed still shows in Django's ``errors_occurred``.
        """
        if failed or errors_occurred():
            close_old_connections()
            self.due = True

    def idle(self) -> None:
        """The poll returned nothing: the server may drop connections while we wait."""
        self.due = True
