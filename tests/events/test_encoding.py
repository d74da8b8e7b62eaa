"""The envelope's pieces: the libraries give the values the standard library would."""

import json
import math
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from wanzo_common.events import encoding
from wanzo_common.events.encoding import (
    decode_json,
    encode_json,
    format_time,
    new_id,
    new_traceparent,
    now_text,
    parse_time,
    static_headers,
)

COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize(
    "data",
    [{}, {"a": 1, "b": -2.5, "c": 1.5e30, "d": True, "e": None, "f": [1, "x", {"g": []}]},
     {"ü": "é\n\"\\\u2028\x00"}, {"n": 1234567890123456789, "z": 0.1 + 0.2}],
)  # fmt: skip
def test_encode_json_is_compact_utf8_json(data):
    assert encode_json(data) == COMPACT.encode(data).encode()
    assert decode_json(encode_json(data)) == data


@pytest.mark.parametrize(
    "value", [__import__("decimal").Decimal("1.50"), b"raw", {1, 2}, 2**64, object()]
)
def test_encode_json_refuses_what_json_cannot_hold(value):
    with pytest.raises(TypeError):
        encode_json({"amount": value})
    with pytest.raises(TypeError):
        encode_json({1: "a non-string key"})


def test_non_finite_numbers_become_null():
    assert encode_json({"x": math.inf, "y": math.nan}) == b'{"x":null,"y":null}'


@pytest.mark.parametrize("raw", [b"{", b"NaN", b"\xff\xfe", b"{'a': 1}", b""])
def test_decode_json_refuses_what_is_not_strict_json(raw):
    with pytest.raises(ValueError):
        decode_json(raw)


def test_now_text_is_format_time_of_now_at_the_millisecond(monkeypatch):
    start = datetime(2026, 12, 31, 23, 59, 59, 998000, tzinfo=UTC)
    for step in range(4):  # across a second, a minute, a day and a year
        moment = start + timedelta(milliseconds=step)
        ns = int(moment.timestamp()) * 10**9 + moment.microsecond * 1000 + 123
        monkeypatch.setattr(encoding._time, "time_ns", lambda ns=ns: ns)
        assert now_text() == format_time(moment)
        assert parse_time(now_text()) == moment


def test_ids_are_uuid4_and_traceparents_w3c():
    ident = new_id()
    parsed = uuid.UUID(ident)
    assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == ident
    version, trace_id, parent_id, flags = new_traceparent().split("-")
    assert (version, flags, len(trace_id), len(parent_id)) == ("00", "01", 32, 16)
    assert new_id() != new_id() and new_traceparent() != new_traceparent()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_worker_never_repeats_the_parents_ids():
    # gunicorn and Celery fork their workers: a generator state copied into the child would
    # give both processes the same ce_id sequence, and the inbox would drop real events.
    new_id()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next ids and leave at once
        os.write(write_end, ",".join(new_id() for _ in range(5)).encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end) as pipe:
        child = set(pipe.read().split(","))
    assert len(child) == 5 and not child & {new_id() for _ in range(5)}


def test_static_headers_are_encoded_once_and_skip_missing_values():
    first = static_headers("user.created", "auth", "1.0", "urn:x:v1")
    assert static_headers("user.created", "auth", "1.0", "urn:x:v1") is first
    assert dict(first) == {"ce_source": b"auth", "ce_type": b"user.created",
                           "ce_specversion": b"1.0", "content-type": b"application/json",
                           "ce_dataschema": b"urn:x:v1"}  # fmt: skip
    assert "ce_dataschema" not in dict(static_headers("user.created", "auth", "1.0", None))
