"""The event envelope: CloudEvents 1.0 in Kafka *binary* mode.

Attributes travel as ``ce_*`` headers and the body is the bare JSON payload, so any Kafka client
(``kcat -J``) sees standard headers and readable data. The key is the subject (the aggregate id)
so one aggregate's events land on one partition, in order. Decoding is strict: anything that can
never become a valid event raises :class:`InvalidEvent` with a ``reason`` the consumer uses to
dead-letter it at once.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wanzo_common.events.exceptions import InvalidEvent
from wanzo_common.events.transports.base import Message
from wanzo_common.events.types import get_type, topic_for

__all__ = ["CONTENT_TYPE", "SPECVERSION", "Event", "InvalidEvent", "format_time", "parse_time"]

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
REQUIRED_HEADERS = ("ce_id", "ce_source", "ce_type", "ce_specversion")
# One compact encoder, built once: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def utcnow() -> datetime:
    """Now, in UTC, truncated to the millisecond: what ``ce_time`` carries, so round trips match."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def format_time(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, millisecond precision (what every consumer parses)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("naive timestamp")
    return value.astimezone(UTC)


def new_traceparent() -> str:
    """A fresh W3C traceparent, so a publish and its handlers share one trace id."""
    raw = os.urandom(24).hex()
    return f"00-{raw[:32]}-{raw[32:]}-01"


@dataclass(frozen=True)
class Event:
    type: str
    data: dict[str, Any]
    source: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    subject: str | None = None
    time: datetime = field(default_factory=utcnow)
    specversion: str = SPECVERSION
    dataschema: str | None = None
    correlation_id: str | None = None
    traceparent: str | None = None
    version: int = 1

    @classmethod
    def create(
        cls,
        type_name: str,
        data: dict[str, Any],
        *,
        source: str,
        subject: str | None = None,
        correlation_id: str | None = None,
        traceparent: str | None = None,
    ) -> Event:
        """A new, validated event; the subject defaults to the type's subject field."""
        event_type = get_type(type_name)
        event_type.validate(data)
        return cls(
            type=type_name,
            data=data,
            source=source,
            subject=subject if subject is not None else event_type.subject_of(data),
            dataschema=event_type.dataschema,
            correlation_id=correlation_id,
            traceparent=traceparent or new_traceparent(),
            version=event_type.version,
        )

    def body(self) -> bytes:
        return _ENCODER.encode(self.data).encode()

    def headers(self) -> tuple[tuple[str, bytes], ...]:
        attributes = {
            "ce_id": self.id,
            "ce_source": self.source,
            "ce_type": self.type,
            "ce_specversion": self.specversion,
            "ce_time": format_time(self.time),
            "ce_subject": self.subject,
            "content-type": CONTENT_TYPE,
            "ce_dataschema": self.dataschema,
            "ce_correlationid": self.correlation_id,
            "traceparent": self.traceparent,
        }
        return tuple((k, v.encode()) for k, v in attributes.items() if v is not None)

    def to_message(self, topic: str | None = None) -> Message:
        key = self.subject.encode() if self.subject is not None else None
        return Message(
            topic=topic or topic_for(self.type), value=self.body(), key=key, headers=self.headers()
        )

    @classmethod
    def from_message(cls, message: Message, *, validate: bool = True) -> Event:
        """Decode and (by default) validate; raises :class:`InvalidEvent` with its reason."""
        attrs = _attributes(message)
        data = _payload(message.value)
        event_type = get_type(attrs["ce_type"])
        if validate:
            event_type.validate(data)
        try:
            time = parse_time(attrs["ce_time"]) if "ce_time" in attrs else utcnow()
        except ValueError:
            raise InvalidEvent("envelope", "ce_time is not an RFC 3339 timestamp") from None
        return cls(
            type=attrs["ce_type"],
            data=data,
            source=attrs["ce_source"],
            id=attrs["ce_id"],
            subject=attrs.get("ce_subject"),
            time=time,
            specversion=attrs["ce_specversion"],
            dataschema=attrs.get("ce_dataschema"),
            correlation_id=attrs.get("ce_correlationid"),
            traceparent=attrs.get("traceparent"),
            version=_version(attrs.get("ce_dataschema"), event_type.version),
        )

    def describe(self) -> str:
        """What logs may say about an event: type, id and subject, never its data."""
        return f"{self.type} id={self.id} subject={self.subject}"


def _attributes(message: Message) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for name, raw in message.headers:
        if name.startswith("ce_") or name in ("traceparent", "content-type"):
            try:
                attrs[name] = raw.decode() if isinstance(raw, bytes) else str(raw)
            except UnicodeDecodeError:
                raise InvalidEvent("envelope", f"header {name} is not UTF-8") from None
    missing = [name for name in REQUIRED_HEADERS if not attrs.get(name)]
    if missing:
        raise InvalidEvent("envelope", f"missing header(s) {', '.join(missing)}")
    if attrs["ce_specversion"] != SPECVERSION:
        raise InvalidEvent("envelope", f"unsupported ce_specversion {attrs['ce_specversion']!r}")
    content_type = attrs.get("content-type", CONTENT_TYPE)
    if not content_type.startswith(CONTENT_TYPE):
        raise InvalidEvent("envelope", f"unsupported content-type {content_type!r}")
    return attrs


def _payload(value: bytes | None) -> dict[str, Any]:
    if value is None:
        raise InvalidEvent("not_json", "empty message body")
    try:
        data = json.loads(value)
    except (UnicodeDecodeError, ValueError):
        raise InvalidEvent("not_json", "body is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidEvent("not_json", "body is not a JSON object")
    return data


def _version(dataschema: str | None, default: int) -> int:
    if dataschema and ":v" in dataschema:
        suffix = dataschema.rsplit(":v", 1)[1]
        if suffix.isdigit():
            return int(suffix)
    return default
