"""The admin service's refusals: the shared :class:`~wanzo_common.api.exceptions.Conflict`.

A rule the request breaks *given the current state* (deactivating an inactive user, cancelling
an expired subscription) is a conflict, not a malformed request: 409 with a stable ``code`` and a
human ``detail`` saying why. ``ErrorSerializer`` describes that body in the OpenAPI schema.
"""

from __future__ import annotations

from rest_framework import serializers

from wanzo_common.api.exceptions import Conflict

__all__ = ["Conflict", "ErrorSerializer"]


class ErrorSerializer(serializers.Serializer):
    """The body of a refusal (409, 403, 404): for the OpenAPI schema."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)
