"""The event envelope: CloudEvents 1.0 in Kafka *binary* mode.

Attributes travel as ``ce_*`` headers and the body is the bare JSON payload, so any Kafka client
(``kcat -J``) sees standard headers and readable data. The key is the subject (the aggregate id)
so one aggregate's events land on one partition, in order. Decoding is strict: anything that can
never become a valid event raises :class:`InvalidEvent` with a ``reason`` the consumer uses to
dead-letter it at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wanzo_common.events.encoding import (
    CONTENT_TYPE,
    decode_json,
    encode_json,
    format_time,
    new_id,
    new_traceparent,
    now_text,
    parse_time,
    static_headers,
    utcnow,
)
from wanzo_common.events.exceptions import InvalidEvent
from wanzo_common.events.transports.base import Message
from wanzo_common.events.types import EventType, get_type, topic_for

__all__ = [
    "CONTENT_TYPE",
    "SPECVERSION",
    "Event",
    "InvalidEvent",
    "format_time",
    "new_id",
    "parse_time",
    "utcnow",
]

SPECVERSION = "1.0"
REQUIRED_HEADERS = ("ce_id", "ce_source", "ce_type", "ce_specversion")


class Event:
    """One CloudEvent: its attributes and its ``data`` (the payload dict).

    A plain class with ``__slots__`` rather than a frozen dataclass: ``publish()`` makes one per
    event, and a frozen dataclass's constructor (``object.__setattr__`` per field) costs as much
    as handing the message to librdkafka. Treat it as read-only. The ``time`` of a new event is
    kept as its ``ce_time`` text and parsed only when read.
    """

    __slots__ = (
        "type", "data", "source", "id", "subject", "specversion", "dataschema",
        "correlation_id", "traceparent", "version", "_time", "_time_text",
    )  # fmt: skip

    def __init__(
        self,
        type: str,  # noqa: A002 (the CloudEvents attribute names)
        data: dict[str, Any],
        source: str,
        id: str | None = None,  # noqa: A002
        subject: str | None = None,
        time: datetime | None = None,
        specversion: str = SPECVERSION,
        dataschema: str | None = None,
        correlation_id: str | None = None,
        traceparent: str | None = None,
        version: int = 1,
    ) -> None:
        self.type = type
        self.data = data
        self.source = source
        self.id = id if id is not None else new_id()
        self.subject = subject
        self.specversion = specversion
        self.dataschema = dataschema
        self.correlation_id = correlation_id
        self.traceparent = traceparent
        self.version = version
        self._time = time
        # A new event keeps "now" as its ce_time text, parsed into a datetime only when read.
        self._time_text = None if time is not None else now_text()

    @property
    def time(self) -> datetime:
        if self._time is None:
            self._time = parse_time(self._time_text)
        return self._time

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
        return cls._new(get_type(type_name), data, source, subject, correlation_id, traceparent)

    @classmethod
    def _new(
        cls,
        event_type: EventType,
        data: dict[str, Any],
        source: str,
        subject: str | None,
        correlation_id: str | None,
        traceparent: str | None,
    ) -> Event:
        """:meth:`create` for a type already looked up (the publish hot path)."""
        event_type.validate(data)
        return cls(
            type=event_type.name,
            data=data,
            source=source,
            id=new_id(),
            subject=subject if subject is not None else event_type.subject_of(data),
            dataschema=event_type.dataschema,
            correlation_id=correlation_id,
            traceparent=traceparent or new_traceparent(),
            version=event_type.version,
        )

    def body(self) -> bytes:
        return encode_json(self.data)

    def headers(self) -> tuple[tuple[str, bytes], ...]:
        static = static_headers(self.type, self.source, self.specversion, self.dataschema)
        dynamic = [("ce_time", (self._time_text or format_time(self._time)).encode())]
        if self.subject is not None:
            dynamic.append(("ce_subject", self.subject.encode()))
        if self.correlation_id is not None:
            dynamic.append(("ce_correlationid", self.correlation_id.encode()))
        if self.traceparent is not None:
            dynamic.append(("traceparent", self.traceparent.encode()))
        return (("ce_id", self.id.encode()), *static, *dynamic)

    def to_message(self, topic: str | None = None) -> Message:
        key = self.subject.encode() if self.subject is not None else None
        return Message(topic or topic_for(self.type), self.body(), key, self.headers())

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

    def _key(self) -> tuple[Any, ...]:
        return (self.type, self.data, self.source, self.id, self.subject, self.time,
                self.specversion, self.dataschema, self.correlation_id, self.traceparent,
                self.version)  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Event):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        # No data: reprs end up in logs and tracebacks, and payloads hold personal data.
        return f"<Event {self.describe()} source={self.source} time={format_time(self.time)}>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._key())  # _key() follows __init__'s argument order


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
        data = decode_json(value)
    except ValueError:  # orjson's JSONDecodeError, also raised for bytes that are not UTF-8
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
