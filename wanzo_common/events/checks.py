"""System checks for ``WANZO_EVENTS``: misconfiguration fails at start-up, never silently.

Stable ids (documented in the README):
- ``wanzo_events.E001`` unknown or unimportable transport (with a "did you mean").
- ``wanzo_events.E002`` the Kafka transport without ``KAFKA_BROKERS``.
- ``wanzo_events.E003`` bad topic configuration (unknown family, illegal Kafka topic name).
- ``wanzo_events.E004`` unknown ``WANZO_EVENTS`` key (a typo would be silently ignored).
- ``wanzo_events.E005`` a numeric setting that is not a positive number.
- ``wanzo_events.E006`` with ``DEBUG`` false, a transport that delivers only within its own
  process (the mock), unless ``ALLOW_MOCK`` opts in: events would silently go nowhere.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from wanzo_common.backends import unknown_keys
from wanzo_common.events.conf import DEFAULT_TOPICS, DEFAULTS, app_settings

_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_POSITIVE = (
    "MAX_ATTEMPTS", "PARTITIONS", "RELAY_BATCH", "SEND_TIMEOUT", "RELAY_INTERVAL", "BATCH_SIZE",
)  # fmt: skip
_NON_NEGATIVE = (
    "RETRY_BACKOFF", "RETRY_BACKOFF_MAX", "OUTBOX_RETENTION", "STATISTICS_INTERVAL_MS",
    "BATCH_MAX_WAIT_MS",
)  # fmt: skip


@register("wanzo_events")
def check_events_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    app_settings.reload()  # checks must see the settings as they are now
    errors: list[Any] = []
    errors += _check_keys()
    errors += _check_transport()
    errors += _check_mock_outside_debug()
    errors += _check_brokers()
    errors += _check_topics()
    errors += _check_numbers()
    return errors


def _check_keys() -> list[Error]:
    return [
        Error(f"Unknown WANZO_EVENTS setting {key!r}.", hint=hint, id="wanzo_events.E004")
        for key, hint in unknown_keys(app_settings.user_settings, DEFAULTS)
    ]


def _check_transport() -> list[Error]:
    from wanzo_common.events.transports import resolve_transport

    try:
        resolve_transport(str(app_settings.TRANSPORT))
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="wanzo_events.E001")]
    return []


def _check_mock_outside_debug() -> list[Error]:
    """The defect we replace: Kafka quietly off in production, events kept in a local list."""
    from wanzo_common.events.transports import resolve_transport

    try:
        cls = resolve_transport(str(app_settings.TRANSPORT))
    except ImproperlyConfigured:
        return []  # E001 says it
    if cls.delivers_across_processes or settings.DEBUG or app_settings.ALLOW_MOCK:
        return []
    return [
        Error(
            f"The events transport {app_settings.TRANSPORT!r} delivers only within this process, "
            "and DEBUG is false: no other service would ever receive an event.",
            hint="Set USE_KAFKA=true and KAFKA_BROKERS (WANZO_EVENTS['TRANSPORT'] = 'kafka'); "
            "for a demo or a test run, opt in with EVENTS_ALLOW_MOCK=true "
            "(WANZO_EVENTS['ALLOW_MOCK'] = True).",
            id="wanzo_events.E006",
        )
    ]


def _check_brokers() -> list[Error]:
    from wanzo_common.events.transports import ALIASES

    path = str(ALIASES.get(app_settings.TRANSPORT, app_settings.TRANSPORT))
    uses_kafka = path.startswith("wanzo_common.events.transports.kafka")
    if uses_kafka and not app_settings.BROKERS:
        return [
            Error(
                "The Kafka transport is selected but no broker is configured.",
                hint="Set KAFKA_BROKERS=host:port[,host:port].",
                id="wanzo_events.E002",
            )
        ]
    return []


def _check_topics() -> list[Error]:
    topics = app_settings.user_settings.get("TOPICS") or {}
    if not isinstance(topics, dict):
        return [Error("WANZO_EVENTS['TOPICS'] must be a dict.", id="wanzo_events.E003")]
    errors = []
    for family in topics:
        if family not in DEFAULT_TOPICS:
            errors.append(
                Error(
                    f"WANZO_EVENTS['TOPICS'] names unknown family {family!r}.",
                    hint=f"Families: {sorted(DEFAULT_TOPICS)}.",
                    id="wanzo_events.E003",
                )
            )
    prefix = app_settings.TOPIC_PREFIX or ""
    for family, name in app_settings.TOPICS.items():
        if not isinstance(name, str) or not _TOPIC.match(prefix + name):
            errors.append(
                Error(
                    f"Illegal topic name {prefix}{name!r} for family {family!r}.",
                    hint="Kafka topic names use letters, digits, '.', '_' and '-' only.",
                    id="wanzo_events.E003",
                )
            )
    return errors


def _check_numbers() -> list[Error]:
    errors = []
    for name in _POSITIVE + _NON_NEGATIVE:
        value = getattr(app_settings, name)
        minimum_ok = (lambda v: v > 0) if name in _POSITIVE else (lambda v: v >= 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not minimum_ok(value):
            errors.append(
                Error(
                    f"WANZO_EVENTS[{name!r}] must be a {'positive' if name in _POSITIVE else 'non-negative'} number, not {value!r}.",
                    id="wanzo_events.E005",
                )
            )
    return errors
