"""The event type registry: every event Wanzo services exchange, with its schema and version.

An :class:`EventType` ties a name (``user.created``) to its family (one Kafka topic per family),
its payload's JSON Schema, a valid example payload and the field that holds the aggregate id
(the CloudEvents subject and the message key, so one aggregate's events stay in order). The
catalogue of types lives in :mod:`wanzo_common.events.catalog`; its snapshots in ``schemas/``
guard against changes that would break consumers.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jsonschema_rs
from django.core.signals import setting_changed
from django.dispatch import receiver

from wanzo_common.events.exceptions import InvalidEvent

__all__ = [
    "REGISTRY",
    "EventType",
    "get_type",
    "register",
    "topic_for",
    "type_names",
]


@dataclass(frozen=True)
class EventType:
    name: str
    family: str
    schema: dict[str, Any]
    example: dict[str, Any]
    subject_field: str | None
    version: int = 1
    description: str = ""
    # Set by __post_init__, so a schema that is not valid JSON Schema fails at definition.
    _validator: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # jsonschema-rs (Rust): the draft our schemas declare, about 1 µs per payload where the
        # reference implementation takes ~70 (ADR 0010). It raises its ValidationError (a
        # ValueError) for a schema that is not valid JSON Schema.
        validator = jsonschema_rs.Draft202012Validator(
            self.schema, validate_formats=True, formats={"email": _is_email}
        )
        # The documented way to set a field of a frozen dataclass after __init__.
        object.__setattr__(self, "_validator", validator)

    @cached_property
    def dataschema(self) -> str:
        """The CloudEvents ``dataschema`` URI naming this type's schema and version."""
        return f"urn:wanzo:events:{self.name}:v{self.version}"

    def subject_of(self, data: Mapping[str, Any]) -> str | None:
        if self.subject_field is None:
            return None
        value = data.get(self.subject_field)
        return None if value is None else str(value)

    def validate(self, data: Any) -> None:
        """Raise :class:`InvalidEvent` (reason ``schema``) naming the first bad field and rule."""
        try:
            if self._validator.is_valid(data):
                return
            errors = sorted(self._validator.iter_errors(data), key=_error_order)
        except ValueError:  # a value JSON cannot hold (a non-string key): no schema applies
            raise InvalidEvent("schema", f"{self.name} v{self.version}: not JSON data") from None
        raise InvalidEvent("schema", f"{self.name} v{self.version}: {self._describe(errors[0])}")

    def _describe(self, error: Any) -> str:
        # The library's messages quote the offending value; ours name only the field and the
        # rule, because this text reaches logs and dead-letter headers (no personal data there).
        where = "/".join(str(part) for part in error.instance_path) or "(payload)"
        keyword = error.schema_path[-1]
        if keyword in {"required", "additionalProperties"}:
            return f"{where}: {error.message}"
        rule: Any = self.schema
        for part in error.schema_path:
            rule = rule[part]
        return f"{where}: fails {keyword} {rule!r}"


def _is_email(text: str) -> bool:
    """The reference implementation's e-mail check, kept: the library's own follows RFC 5321
    to the letter and refuses addresses services accept (``é@example.com``)."""
    return "@" in text


def _error_order(error: Any) -> tuple[int, str]:
    return (len(error.instance_path), "/".join(str(part) for part in error.instance_path))


REGISTRY: dict[str, EventType] = {}


def register(event_type: EventType) -> EventType:
    existing = REGISTRY.get(event_type.name)
    if existing is not None and existing != event_type:
        raise ValueError(f"event type {event_type.name!r} is already registered differently")
    REGISTRY[event_type.name] = event_type
    return event_type


def type_names() -> list[str]:
    return sorted(REGISTRY)


def get_type(name: str) -> EventType:
    """The registered type, or :class:`InvalidEvent` (``unknown_type``) with a suggestion."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        hint = difflib.get_close_matches(str(name), REGISTRY, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise InvalidEvent("unknown_type", f"{name!r}{suggestion}") from None


def topic_for(event_type: EventType | str) -> str:
    """The topic of a type's family: ``TOPIC_PREFIX`` + ``TOPICS[family]``."""
    name = event_type if isinstance(event_type, str) else event_type.name
    topic = _topics.get(name)
    if topic is None:
        topic = _topics[name] = _resolve_topic(get_type(name))
    return topic


def _resolve_topic(event_type: EventType) -> str:
    from wanzo_common.events.conf import app_settings

    name = app_settings.TOPICS.get(event_type.family, f"wanzo.{event_type.family}")
    return f"{app_settings.TOPIC_PREFIX or ''}{name}"


# Topic per type name, dropped whenever WANZO_EVENTS changes (publish() asks for every event).
_topics: dict[str, str] = {}


@receiver(setting_changed)
def _forget_topics(*, setting: str, **kwargs: Any) -> None:
    if setting == "WANZO_EVENTS":
        _topics.clear()


# The catalogue registers itself on import; imported last because it needs EventType.
from wanzo_common.events import catalog  # noqa: E402, F401
