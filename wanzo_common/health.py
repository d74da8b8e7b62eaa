"""Liveness and readiness endpoints, served on each service's app port.

``/healthz`` answers as long as the process can serve a request; it touches nothing else, so
an orchestrator never restarts a healthy process because a dependency is down. ``/readyz``
answers 503 only when the service cannot do useful work: its database is unreachable. Other
dependencies are reported, not required: while the events broker is down, web keeps serving
and its outbox keeps the events until the relay can send them, so taking every pod out of
rotation would turn a broker outage into an API outage (ADR 0018). Their state is in the JSON
(``"dependencies": {"events_broker": "unavailable"}``), in a metric and in an alert. The answer
also says how the process is configured where that decides what it means (``"transport"``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import connections
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

# Checks that decide readiness, beside the database's (none registered by the shared apps).
READINESS_CHECKS: dict[str, Callable[[], None]] = {}
# Dependencies reported in /readyz without deciding it (the events app adds the broker). Each
# raises when unavailable.
READINESS_DEPENDENCIES: dict[str, Callable[[], None]] = {}
# Facts added to the /readyz answer by other apps (the events app adds its transport's name).
READINESS_DETAILS: dict[str, Callable[[], object]] = {}


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def _run(checks: dict[str, Callable[[], None]]) -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means "unavailable"; the reason is logged
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = "unavailable"
    return results


def readyz(request: HttpRequest) -> JsonResponse:
    results = _run({"database": _check_database, **READINESS_CHECKS})
    ready = all(value == "ok" for value in results.values())
    body: dict[str, object] = {"status": "ok" if ready else "unavailable", "checks": results}
    if READINESS_DEPENDENCIES:
        body["dependencies"] = _run(READINESS_DEPENDENCIES)
    body.update({name: detail() for name, detail in READINESS_DETAILS.items()})
    return JsonResponse(body, status=200 if ready else 503)
