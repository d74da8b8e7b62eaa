"""The pieces of an envelope: ids, timestamps, the JSON body and the constant headers.

``publish()`` runs all of this for every event, so each piece comes from a library chosen by
measuring (``bench/events_encoding_choice.py``, ADR 0010): orjson for JSON and uuid-utils for
the version 4 ids, several times faster than ``json`` and ``uuid`` and producing the same
values. The one thing kept by hand is plain caching: the date part of ``ce_time`` is formatted
once a second, and the headers that depend only on the event's type and source once per pair.
"""

from __future__ import annotations

import os
import time as _time
from datetime import UTC, datetime
from typing import Any

import orjson
import uuid_utils

__all__ = [
    "CONTENT_TYPE",
    "decode_json",
    "encode_json",
    "format_time",
    "new_id",
    "new_traceparent",
    "now_text",
    "parse_time",
    "static_headers",
    "utcnow",
]

CONTENT_TYPE = "application/json"


def encode_json(data: Any) -> bytes:
    """Compact UTF-8 JSON. Raises ``TypeError`` for what JSON cannot hold (a ``Decimal``, bytes,
    a set, an integer beyond 64 bits, a non-string key); NaN and infinities become ``null``."""
    return orjson.dumps(data)


def decode_json(raw: bytes | str) -> Any:
    """The value of a JSON document; ``ValueError`` if it is not strict JSON (or not UTF-8)."""
    return orjson.loads(raw)


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


# (epoch second, its "YYYY-MM-DDTHH:MM:SS") swapped as one tuple, so threads never see a mix.
_clock: tuple[int, str] = (-1, "")


def now_text() -> str:
    """``format_time(utcnow())`` at a third of the cost: the date part is formatted once a second."""
    global _clock
    second, milli = divmod(_time.time_ns() // 1_000_000, 1000)
    cached, prefix = _clock
    if cached != second:
        prefix = _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(second))
        _clock = (second, prefix)
    return f"{prefix}.{milli:03d}Z"


def new_id() -> str:
    """A random (version 4) UUID for ``ce_id``.

    uuid-utils reseeds its generator in a forked child (gunicorn and Celery workers), so two
    workers never repeat each other's ids; a test holds it to that.
    """
    return str(uuid_utils.uuid4())


def new_traceparent() -> str:
    """A fresh W3C ``traceparent``: version 00, a random trace id and parent id, sampled."""
    raw = os.urandom(24).hex()
    return f"00-{raw[:32]}-{raw[32:]}-01"


# Headers that only depend on (type, source, specversion, dataschema), encoded once.
_static: dict[tuple[Any, ...], tuple[tuple[str, bytes], ...]] = {}


def static_headers(
    type_name: str, source: str, specversion: str, dataschema: str | None
) -> tuple[tuple[str, bytes], ...]:
    key = (type_name, source, specversion, dataschema)
    headers = _static.get(key)
    if headers is None:
        if len(_static) > 1000:  # decoded events from many sources: stay bounded
            _static.clear()
        pairs = [("ce_source", source), ("ce_type", type_name), ("ce_specversion", specversion),
                 ("content-type", CONTENT_TYPE), ("ce_dataschema", dataschema)]  # fmt: skip
        headers = tuple((name, value.encode()) for name, value in pairs if value is not None)
        _static[key] = headers
    return headers
