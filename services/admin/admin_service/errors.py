"""The admin service's domain refusals, raised by service functions and answered as HTTP 409.

A rule the request breaks *given the current state* (deactivating an inactive user, cancelling
an expired subscription) is a conflict, not a malformed request: 409 with a stable ``code`` and a
human ``detail`` saying why. Raising a DRF exception from ``services.py`` keeps views thin; the
exception carries no HTTP knowledge beyond its status.
"""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.exceptions import APIException


class Conflict(APIException):
    """The operation is refused in the object's current state; ``code`` says which rule."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The operation conflicts with the current state."
    default_code = "conflict"

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__({"detail": detail, "code": code})
        self.reason = code


class ErrorSerializer(serializers.Serializer):
    """The body of a refusal (409, 403, 404): for the OpenAPI schema."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)
