"""Liveness and readiness endpoints, served on each service's app port.

``/healthz`` answers as long as the process can serve a request; it touches nothing else, so
an orchestrator never restarts a healthy process because a dependency is down. ``/readyz``
checks what the service needs to do useful work (its database) and answers 503 otherwise; it
also says how the process is configured where that decides what "ready" means (the events
transport: ``"transport": "kafka"``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import connections
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

# Extra readiness probes registered by other apps (the events app adds the broker).
READINESS_CHECKS: dict[str, Callable[[], None]] = {}
# Facts added to the /readyz answer by other apps (the events app adds its transport's name).
READINESS_DETAILS: dict[str, Callable[[], object]] = {}


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database, **READINESS_CHECKS}
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; the reason is logged
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = "unavailable"
    ready = all(value == "ok" for value in results.values())
    details = {name: detail() for name, detail in READINESS_DETAILS.items()}
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results, **details},
        status=200 if ready else 503,
    )
