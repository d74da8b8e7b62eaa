"""The ledger's refusals, raised by service functions.

They are DRF exceptions so a view lets them through unchanged (400 or 409 with a stable
``code`` and a ``detail`` saying why), and plain exceptions for the event handlers, which turn
them into ``transaction.failed`` or a dead-lettered event.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, status
from rest_framework.exceptions import APIException


class LedgerError(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_entry"

    def __init__(self, detail: str, *, code: str, **extra: Any) -> None:
        super().__init__({"detail": detail, "code": code, **extra})
        self.code = code
        self.message = detail


class EntryRejected(LedgerError):
    """The entry breaks a double-entry rule (400): unbalanced, mixed currencies, foreign account."""


class ReferenceReused(EntryRejected):
    """The entry's reference already names a different entry (422): the first is not returned."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


class PeriodClosed(EntryRejected):
    """The entry is dated in a period the organisation closed (409)."""

    status_code = status.HTTP_409_CONFLICT


class NotAllowed(LedgerError):
    """The caller's role may not do this in its organisation (403)."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"


class Conflict(LedgerError):
    """The operation is refused in the current state (409): reversing twice."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ErrorSerializer(serializers.Serializer):
    """The body of a refusal, for the OpenAPI schema."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)
