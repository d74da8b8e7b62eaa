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

from django.core.signals import setting_changed
from django.dispatch import receiver
from jsonschema import Draft202012Validator

from wanzo_common.events.exceptions import InvalidEvent
from wanzo_common.events.fastschema import compile_schema

__all__ = [
    "REGISTRY",
    "EventType",
    "get_type",
    "register",
    "topic_for",
    "type_names",
    "validate",
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
    # Filled in by __post_init__: compiled checks (schemas are checked once, at definition).
    _validator: Any = field(default=None, init=False, repr=False, compare=False)
    _fast: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        Draft202012Validator.check_schema(self.schema)
        checker = Draft202012Validator.FORMAT_CHECKER
        validator = Draft202012Validator(self.schema, format_checker=checker)
        object.__setattr__(self, "_validator", validator)
        object.__setattr__(self, "_fast", compile_schema(self.schema))

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
        if self._fast is not None and self._fast(data):
            return  # the compiled check only accepts what jsonschema accepts
        error = next(iter(sorted(self._validator.iter_errors(data), key=_error_order)), None)
        if error is not None:
            raise InvalidEvent("schema", f"{self.name} v{self.version}: {_describe(error)}")


def _error_order(error: Any) -> tuple[int, str]:
    return (len(error.absolute_path), "/".join(str(part) for part in error.absolute_path))


def _describe(error: Any) -> str:
    # jsonschema's own messages quote the offending value; ours name only the field and the
    # rule, because this text reaches logs and dead-letter headers (no personal data there).
    where = "/".join(str(part) for part in error.absolute_path) or "(payload)"
    if error.validator in {"required", "additionalProperties"}:
        return f"{where}: {error.message}"
    return f"{where}: fails {error.validator} {error.validator_value!r}"


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


def validate(name: str, data: Any) -> EventType:
    event_type = get_type(name)
    event_type.validate(data)
    return event_type


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
