"""System checks for ``WANZO_EVENTS``: misconfiguration fails at start-up, never silently.

Stable ids (documented in the README):
- ``wanzo_events.E001`` unknown or unimportable transport (with a "did you mean").
- ``wanzo_events.E002`` the Kafka transport (``USE_KAFKA=true``) without ``KAFKA_BROKERS``.
- ``wanzo_events.E003`` bad topic configuration (unknown family, illegal Kafka topic name).
- ``wanzo_events.E004`` unknown ``WANZO_EVENTS`` key (a typo would be silently ignored).
- ``wanzo_events.E005`` a numeric setting that is not a positive number.
- ``wanzo_events.W001`` ``USE_KAFKA=true`` while ``TRANSPORT`` explicitly selects another one.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from wanzo_common.events.conf import DEFAULT_TOPICS, DEFAULTS, app_settings

_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_POSITIVE = ("MAX_ATTEMPTS", "PARTITIONS", "RELAY_BATCH", "SEND_TIMEOUT", "RELAY_INTERVAL")
_NON_NEGATIVE = ("RETRY_BACKOFF", "RETRY_BACKOFF_MAX", "OUTBOX_RETENTION", "STATISTICS_INTERVAL_MS")


@register("wanzo_events")
def check_events_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    app_settings.reload()  # checks must see the settings as they are now
    errors: list[Any] = []
    errors += _check_keys()
    errors += _check_transport()
    errors += _check_brokers()
    errors += _check_topics()
    errors += _check_numbers()
    return errors


def _check_keys() -> list[Error]:
    errors = []
    for key in app_settings.user_settings:
        if key not in DEFAULTS:
            hint = difflib.get_close_matches(key, DEFAULTS, n=1)
            errors.append(
                Error(
                    f"Unknown WANZO_EVENTS setting {key!r}.",
                    hint=f"Did you mean {hint[0]!r}?" if hint else f"Known: {sorted(DEFAULTS)}.",
                    id="wanzo_events.E004",
                )
            )
    return errors


def _check_transport() -> list[Any]:
    from wanzo_common.events.transports import resolve_transport

    try:
        resolve_transport(str(app_settings.TRANSPORT))
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="wanzo_events.E001")]
    explicit = app_settings.user_settings.get("TRANSPORT")
    if app_settings.USE_KAFKA and explicit not in (None, "kafka"):
        return [
            Warning(
                f"USE_KAFKA is true but WANZO_EVENTS['TRANSPORT'] is {explicit!r}.",
                hint="Remove TRANSPORT to use Kafka, or set USE_KAFKA=false.",
                id="wanzo_events.W001",
            )
        ]
    return []


def _check_brokers() -> list[Error]:
    uses_kafka = app_settings.USE_KAFKA or app_settings.TRANSPORT == "kafka"
    if uses_kafka and not app_settings.BROKERS:
        return [
            Error(
                "The Kafka transport is selected (USE_KAFKA=true) but no broker is configured.",
                hint="Set KAFKA_BROKERS=host:port[,host:port], or USE_KAFKA=false for the mock.",
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
