"""A database that went away is a 503 with ``Retry-After``, not a 500 error page.

The chaos soak (ADR 0020) showed requests that met a PostgreSQL restart answered with Django's
HTML "Server Error (500)": a client, or a load balancer, could not tell a bug from a blip. A
connection lost or refused, or a transient failure the server reports (serialization, deadlock),
is ``OperationalError`` / ``InterfaceError``; this DRF exception handler
(``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) answers it with a JSON 503 that says to retry, and
hands everything else to DRF's own handler. Services with a handler of their own call it last.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

RETRY_AFTER = 1  # seconds: a restart or a failover takes about that long

__all__ = ["exception_handler"]


def exception_handler(exc, context):
    if isinstance(exc, (OperationalError, InterfaceError)):
        set_rollback()
        # The class only: a database message may quote a value (an e-mail in a unique key).
        logger.warning("database unavailable: %s", type(exc).__name__)
        body = {"detail": "The database is unavailable; retry shortly.",
                "code": "database_unavailable"}  # fmt: skip
        headers = {"Retry-After": str(RETRY_AFTER)}
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers)
    return drf_exception_handler(exc, context)
