"""Idempotency keys that cannot be reused for something else.

A client retries with the same key (a sale's transaction id, a sync operation id, a journal
entry's reference) and gets the first answer back. The same key with a *different* request is
a client bug or an attack on the first request's result, and answers 422: each stored row keeps
a fingerprint of the request that created it, a SHA-256 of its canonical JSON (sorted keys,
amounts without trailing zeros, so "1500.50" and "1500.5" are the same request).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException

__all__ = ["KeyReused", "fingerprint", "matches"]


def fingerprint(payload: Any) -> str:
    """The hex SHA-256 of ``payload``'s canonical JSON (64 characters)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def matches(stored: str, incoming: str) -> bool:
    """Whether a replay is the stored request (rows from before fingerprints match anything)."""
    return not stored or stored == incoming


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date | datetime.time | uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


class KeyReused(APIException):
    """422: the idempotency key already names a different request."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__({"detail": detail, "code": self.default_code, "field": field})
        self.message = detail
