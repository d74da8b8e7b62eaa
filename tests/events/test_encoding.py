"""The envelope's fast helpers give exactly what the straightforward versions give."""

import json
import math
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from wanzo_common.events import encoding
from wanzo_common.events.encoding import (
    encode_json,
    format_time,
    new_ids,
    now_text,
    parse_time,
    static_headers,
)

COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize(
    "data",
    [{}, {"a": 1, "b": -2.5, "c": 1e300, "d": True, "e": None, "f": [1, "x", {"g": []}]},
     {"ü": "é\n\"\\\u2028", 3: "int key"}, {"n": 12345678901234567890, "z": 0.1 + 0.2}],
)  # fmt: skip
def test_encode_json_matches_the_compact_encoder(data):
    assert encode_json(data) == COMPACT.encode(data)


def test_encode_json_refuses_what_json_refuses():
    from decimal import Decimal

    with pytest.raises(TypeError):
        encode_json({"amount": Decimal("1.50")})
    assert encode_json({"x": math.inf}) == COMPACT.encode({"x": math.inf})


def test_now_text_is_format_time_of_now_at_the_millisecond(monkeypatch):
    start = datetime(2026, 12, 31, 23, 59, 59, 998000, tzinfo=UTC)
    for step in range(4):  # across a second, a minute, a day and a year
        moment = start + timedelta(milliseconds=step)
        ns = int(moment.timestamp()) * 10**9 + moment.microsecond * 1000 + 123
        monkeypatch.setattr(encoding._time, "time_ns", lambda ns=ns: ns)
        assert now_text() == format_time(moment)
        assert parse_time(now_text()) == moment


def test_new_ids_are_uuid4_and_a_w3c_traceparent():
    ident, traceparent = new_ids()
    assert uuid.UUID(ident).version == 4 and str(uuid.UUID(ident)) == ident
    version, trace_id, parent_id, flags = traceparent.split("-")
    assert (version, flags, len(trace_id), len(parent_id)) == ("00", "01", 32, 16)
    assert new_ids() != new_ids()


def test_static_headers_are_encoded_once_and_skip_missing_values():
    first = static_headers("user.created", "auth", "1.0", "urn:x:v1")
    assert static_headers("user.created", "auth", "1.0", "urn:x:v1") is first
    assert dict(first) == {"ce_source": b"auth", "ce_type": b"user.created",
                           "ce_specversion": b"1.0", "content-type": b"application/json",
                           "ce_dataschema": b"urn:x:v1"}  # fmt: skip
    assert "ce_dataschema" not in dict(static_headers("user.created", "auth", "1.0", None))
