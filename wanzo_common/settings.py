"""Shared base settings for every Wanzo service.

Each service's settings module is a few lines: it calls :func:`build` with its name and its
directory (its default ports come from :mod:`wanzo_common.ports`), merges the result into its
globals and adds its own apps.
Configuration comes from the process environment first, then from ``services/<name>/.env``
(never committed; ``.env.example`` documents every variable), then from the defaults here,
all read through :class:`wanzo_common.env.Env`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from wanzo_common.api.conf import api_settings, jwt_settings
from wanzo_common.env import Env
from wanzo_common.events.conf import BEAT_SCHEDULE as EVENTS_BEAT_SCHEDULE
from wanzo_common.events.conf import events_settings
from wanzo_common.monitoring.conf import DEFAULTS as MONITORING_DEFAULTS
from wanzo_common.ports import ServicePorts, ports_of

__all__ = ["Env", "build", "database_config", "logging_config"]

SHARED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the docs page's assets, served locally: no internet needed
    "wanzo_common.api",
    "wanzo_common.monitoring",
    "wanzo_common.events",
]

SHARED_MIDDLEWARE = [
    "wanzo_common.monitoring.middleware.PrometheusMiddleware",
    "wanzo_common.monitoring.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]

# Argon2id first (Django's recommended hasher, its default cost: about 0.2 s of CPU a check on
# the 2-CPU dev VM, see bench/api_load.py); PBKDF2 kept so that older hashes still verify.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


# The embedded default runs four processes per service on one SQLite file (server, consumer,
# relay, one-off commands). WAL lets readers run beside the one writer; BEGIN IMMEDIATE takes
# the write lock when a transaction starts, waiting up to ``timeout`` seconds for it, instead of
# failing with "database is locked" when a read transaction later tries to write. Without it
# the relay could send a batch, fail to mark it sent, and send it again (duplicates downstream).
SQLITE_OPTIONS: dict[str, Any] = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def database_config(env: Env, *, service: str, base_dir: Path) -> dict[str, Any]:
    """``DATABASE_URL``; ``{service}`` in it is replaced by the service name."""
    default = f"sqlite:///{base_dir / 'db.sqlite3'}"
    url = env.str("DATABASE_URL", default).replace("{service}", service)
    config = dj_database_url.parse(url, conn_max_age=env.int("DATABASE_CONN_MAX_AGE", 60))
    # Off: a SELECT 1 before every request's first query was a round trip per request (ADR 0019).
    # A request that meets a broken connection fails, and Django drops it after that request;
    # the consumers check their connections themselves (wanzo_common.events.connections).
    config["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", False)
    if config["ENGINE"].endswith("sqlite3"):
        config.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    elif config["ENGINE"].endswith("postgresql"):
        # Derived from the database's own name, so two checkouts pointing at different
        # databases never share a test database; with the service in it, so four services
        # sharing one DATABASE_URL without ``{service}`` never do either.
        name = config["NAME"]
        config.setdefault("TEST", {})["NAME"] = (
            f"test_{name}" if service in name else f"test_{name}_{service}"
        )
    return config


def build(*, service: str, base_dir: Path, ports: ServicePorts | None = None) -> dict[str, Any]:
    """Return the settings every service shares, as a dict to merge into its globals.

    ``ports`` is for services outside :data:`wanzo_common.ports.SERVICES` (test and bench
    settings); a Wanzo service's come from that table.
    """
    env = Env(base_dir / ".env")
    ports = ports or ports_of(service)
    debug = env.bool("DJANGO_DEBUG", False)
    # Off only to measure what monitoring costs (bench/api_load.py): no request or query timing,
    # no exporter. Domain metrics are still counted, in memory.
    monitored = env.bool("MONITORING_ENABLED", True)
    broker_url = env.str("CELERY_BROKER_URL")
    # No fallback outside DEBUG: an empty key is the system check error wanzo_api.E008 (`make
    # up` writes a generated key to each service's .env; test settings set their own).
    secret_key = env.str("DJANGO_SECRET_KEY", "insecure-dev-key-" + service if debug else "")
    return {
        "SERVICE_NAME": service,
        "BASE_DIR": base_dir,
        "SECRET_KEY": secret_key,
        "DEBUG": debug,
        "ALLOWED_HOSTS": env.list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"]),
        "INSTALLED_APPS": list(SHARED_APPS),
        "MIDDLEWARE": middleware(monitored=monitored),
        "ROOT_URLCONF": f"{service}_service.urls",
        "WSGI_APPLICATION": f"{service}_service.wsgi.application",
        "DATABASES": {"default": database_config(env, service=service, base_dir=base_dir)},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "LANGUAGE_CODE": "en-us",
        "TEMPLATES": [
            {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
        ],
        "STATIC_URL": "/static/",
        # Served by WhiteNoise from the apps' folders, so the docs page works without a
        # collectstatic step; the image sets STATIC_ROOT and runs collectstatic.
        "STATIC_ROOT": env.str("STATIC_ROOT"),
        "WHITENOISE_USE_FINDERS": True,
        "PASSWORD_HASHERS": list(PASSWORD_HASHERS),
        "APP_PORT": env.int("APP_PORT", ports.app),
        "REST_FRAMEWORK": {
            "DEFAULT_AUTHENTICATION_CLASSES": [
                "wanzo_common.api.authentication.JWTAuthentication",
            ],
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "DEFAULT_PAGINATION_CLASS": "wanzo_common.api.pagination.Pagination",
            "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            # DRF's three, with a JSON parser that answers 400 to too deeply nested bodies.
            "DEFAULT_PARSER_CLASSES": [
                "wanzo_common.api.parsers.JSONParser",
                "rest_framework.parsers.FormParser",
                "rest_framework.parsers.MultiPartParser",
            ],
            "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
            "TEST_REQUEST_DEFAULT_FORMAT": "json",
            "EXCEPTION_HANDLER": "wanzo_common.api.database_errors.exception_handler",
        },
        "SIMPLE_JWT": jwt_settings(env),
        "WANZO_API": api_settings(env),
        "SPECTACULAR_SETTINGS": {
            "TITLE": f"Wanzo {service} API",
            "VERSION": "1.0.0",
            "SERVE_INCLUDE_SCHEMA": False,
            "SWAGGER_UI_DIST": "SIDECAR",
            "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
            "REDOC_DIST": "SIDECAR",
            "COMPONENT_SPLIT_REQUEST": True,
        },
        "WANZO_MONITORING": {
            "PORT": env.int("PROMETHEUS_PORT", ports.metrics),
            "CELERY_PORT": env.int("CELERY_PROMETHEUS_PORT", ports.celery),
            "BIND_ADDRESS": env.str("PROMETHEUS_BIND_ADDRESS", MONITORING_DEFAULTS["BIND_ADDRESS"]),
            "BEARER_TOKEN": env.str("PROMETHEUS_BEARER_TOKEN"),
            "BASIC_AUTH": env.str("PROMETHEUS_BASIC_AUTH"),
            "ACTIVE_USERS_WINDOW": env.int(
                "ACTIVE_USERS_WINDOW", MONITORING_DEFAULTS["ACTIVE_USERS_WINDOW"]
            ),
            "ENABLED": monitored,
            "EXPORTER": MONITORING_DEFAULTS["EXPORTER"] if monitored else "off",
        },
        "WANZO_EVENTS": events_settings(env, service),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_BROKER_TRANSPORT_OPTIONS": celery_transport_options(env, broker_url),
        "CELERY_BEAT_SCHEDULE": events_beat_schedule(env),
        "CELERY_TASK_ALWAYS_EAGER": broker_url is None,
        "LOGGING": logging_config(
            json_logs=env.str("LOG_FORMAT", "text") == "json",
            level=env.str("LOG_LEVEL", "INFO"),
        ),
    }


def events_beat_schedule(env: Env) -> dict[str, Any]:
    """The events app's beat entries; ``EVENTS_RELAY_BEAT=false`` leaves the relay out, for a
    system whose relay process is its one relay (``make up``: on SQLite, ADR 0004)."""
    relay = env.bool("EVENTS_RELAY_BEAT", True)
    return {
        name: entry
        for name, entry in EVENTS_BEAT_SCHEDULE.items()
        if relay or entry["task"] != "wanzo_events.relay_outbox"
    }


def celery_transport_options(env: Env, broker_url: str | None) -> dict[str, Any]:
    """kombu's filesystem transport (``filesystem://``, what ``make up`` uses without Redis):
    messages are files in ``CELERY_BROKER_FOLDER``/messages, written and read in the same
    folder, one folder per service as each has its own queues."""
    if not (broker_url or "").startswith("filesystem://"):
        return {}
    folder = Path(env.str("CELERY_BROKER_FOLDER", "celery-broker"))
    messages = str(folder / "messages")
    return {
        "data_folder_in": messages,
        "data_folder_out": messages,
        "control_folder": str(folder / "control"),
    }


def middleware(*, monitored: bool = True) -> list[str]:
    prometheus = "wanzo_common.monitoring.middleware.PrometheusMiddleware"
    return [name for name in SHARED_MIDDLEWARE if monitored or name != prometheus]


def logging_config(*, json_logs: bool, level: str) -> dict[str, Any]:
    """Console logging with the request id on every line; JSON when ``LOG_FORMAT=json``."""
    text_format = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
    formatter: dict[str, Any] = {"format": text_format}
    if json_logs:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "wanzo_common.monitoring.logging.RequestIDFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }
