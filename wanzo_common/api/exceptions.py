"""The API errors every service raises from its service functions (DRF answers them).

:class:`Conflict` is a rule the request breaks *given the current state*: 409 with a stable
``code`` (for clients) and a human ``detail`` saying why. Raising it from ``services.py`` keeps
views thin; it carries no HTTP knowledge beyond its status.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException

__all__ = ["Conflict"]


class Conflict(APIException):
    """The operation is refused in the object's current state; ``code`` says which rule."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The operation conflicts with the current state."
    default_code = "conflict"

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__({"detail": detail, "code": code})
        self.reason = code
