"""The current request id, available to every log record and to event publishers.

A contextvar rather than a thread-local, so it is right in async views and in threads started
with ``contextvars.copy_context``.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("wanzo_request_id", default=None)


def get_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None):
    """Set the id for the current context; returns the token to reset it with."""
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)


class RequestIDFilter(logging.Filter):
    """Adds ``record.request_id`` ("-" outside a request) for formatters to print."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)  # django.request logs after the middleware
        record.request_id = _request_id.get() or getattr(request, "id", None) or "-"
        return True
