"""System checks: monitoring misconfiguration fails ``manage.py check`` and start-up, loudly.

Ids are stable; the README lists them.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, register

from wanzo_common.monitoring.conf import monitoring_settings

MIDDLEWARE_PATH = "wanzo_common.monitoring.middleware.PrometheusMiddleware"


def _port_errors(name: str, value, check_id: str) -> list[Error]:
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = -1
    if 0 < port < 65536 and str(value).strip().isdigit():
        return []
    return [
        Error(
            f"{name} must be a TCP port number between 1 and 65535, got {value!r}.",
            hint=f"Set {name} in the environment or the service's .env file.",
            id=check_id,
        )
    ]


@register("wanzo_monitoring")
def check_ports(app_configs=None, **kwargs) -> list[Error]:
    return _port_errors("PROMETHEUS_PORT", monitoring_settings.PORT, "wanzo_monitoring.E001") + (
        _port_errors("CELERY_PROMETHEUS_PORT", monitoring_settings.CELERY_PORT, "wanzo_monitoring.E005")
    )


@register("wanzo_monitoring")
def check_multiprocess_dir(app_configs=None, **kwargs) -> list[Error]:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path or (os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)):
        return []
    return [
        Error(
            f"PROMETHEUS_MULTIPROC_DIR={path!r} is not a writable directory.",
            hint="Create it, make it writable by the service's user, or unset it "
            "(deploy/gunicorn.conf.py sets and clears it itself).",
            id="wanzo_monitoring.E002",
        )
    ]


@register("wanzo_monitoring")
def check_middleware(app_configs=None, **kwargs) -> list[Error]:
    middleware = list(getattr(settings, "MIDDLEWARE", []))
    if not monitoring_settings.ENABLED:  # switched off on purpose (MONITORING_ENABLED=false)
        return []
    if MIDDLEWARE_PATH not in middleware:
        return [
            Error(
                f"{MIDDLEWARE_PATH} is missing from MIDDLEWARE: no request metrics are recorded.",
                hint="Add it as the first entry of MIDDLEWARE.",
                id="wanzo_monitoring.E003",
            )
        ]
    if middleware[0] != MIDDLEWARE_PATH:
        return [
            Error(
                f"{MIDDLEWARE_PATH} must be the first entry of MIDDLEWARE, found at position "
                f"{middleware.index(MIDDLEWARE_PATH)}: responses made by the middleware above "
                "it would not be counted or timed.",
                id="wanzo_monitoring.E004",
            )
        ]
    return []


@register("wanzo_monitoring")
def check_exporter_auth(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    basic = monitoring_settings.BASIC_AUTH
    if monitoring_settings.BEARER_TOKEN and basic:
        errors.append(
            Error(
                "Set PROMETHEUS_BEARER_TOKEN or PROMETHEUS_BASIC_AUTH, not both.",
                id="wanzo_monitoring.E006",
            )
        )
    if basic and ":" not in basic:
        errors.append(
            Error(
                "PROMETHEUS_BASIC_AUTH must be 'user:password'.",
                id="wanzo_monitoring.E007",
            )
        )
    return errors


@register("wanzo_monitoring")
def check_active_users_window(app_configs=None, **kwargs) -> list[Error]:
    window = monitoring_settings.ACTIVE_USERS_WINDOW
    if isinstance(window, int) and window > 0:
        return []
    return [
        Error(
            f"ACTIVE_USERS_WINDOW must be a positive number of seconds, got {window!r}.",
            id="wanzo_monitoring.E008",
        )
    ]
