import dataclasses
import json
import pickle
import re
import uuid
from datetime import UTC, datetime

import pytest

from wanzo_common.events.envelope import Event, format_time, parse_time
from wanzo_common.events.exceptions import InvalidEvent
from wanzo_common.events.transports.base import Message
from wanzo_common.events.types import get_type

DATA = {"userId": "u-1", "email": "a@example.com", "userType": "SME_USER"}


def make(**kwargs):
    return Event.create("user.created", dict(DATA), source="auth", **kwargs)


def test_create_takes_the_subject_from_the_payload_and_sets_ids():
    event = make(correlation_id="req-1")
    assert event.subject == "u-1"
    assert event.id and event.id != make().id
    assert event.dataschema == get_type("user.created").dataschema
    assert event.traceparent.startswith("00-") and len(event.traceparent) == 55
    assert event.time.tzinfo is not None


def test_create_validates():
    with pytest.raises(InvalidEvent) as caught:
        Event.create("user.created", {"userId": "u"}, source="auth")
    assert caught.value.reason == "schema"


def test_message_is_cloudevents_binary_mode():
    event = make(correlation_id="req-1")
    message = event.to_message()
    assert message.topic == "wanzo.users"
    assert message.key == b"u-1"
    assert json.loads(message.value) == DATA
    headers = dict(message.headers)
    assert headers["ce_id"] == event.id.encode()
    assert headers["ce_source"] == b"auth"
    assert headers["ce_type"] == b"user.created"
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_subject"] == b"u-1"
    assert headers["content-type"] == b"application/json"
    assert headers["ce_dataschema"] == b"urn:wanzo:events:user.created:v1"
    assert headers["ce_correlationid"] == b"req-1"
    assert headers["traceparent"] == event.traceparent.encode()
    assert headers["ce_time"].decode().endswith("Z")
    assert all(isinstance(value, bytes) for value in headers.values())


def test_round_trip():
    event = make(correlation_id="req-9")
    assert Event.from_message(event.to_message()) == event


def test_subject_may_be_absent():
    event = Event.create(
        "auth.login_failed", {"reason": "unknown_user", "authMethod": "password"}, source="auth"
    )
    message = event.to_message()
    assert event.subject is None and message.key is None
    assert "ce_subject" not in dict(message.headers)
    assert Event.from_message(message).subject is None


def test_explicit_subject_wins():
    assert make(subject="other").to_message().key == b"other"


def broken(message, **changes):
    return dataclasses.replace(message, **changes)


@pytest.mark.parametrize(
    "value,reason",
    [
        (b"\xff\xfe", "not_json"),
        (b"not json", "not_json"),
        (b"[1,2]", "not_json"),
        (None, "not_json"),
    ],
)
def test_bodies_that_are_not_json_objects(value, reason):
    with pytest.raises(InvalidEvent) as caught:
        Event.from_message(broken(make().to_message(), value=value))
    assert caught.value.reason == reason


def test_unknown_type():
    message = make().to_message()
    headers = tuple((k, b"user.exploded" if k == "ce_type" else v) for k, v in message.headers)
    with pytest.raises(InvalidEvent) as caught:
        Event.from_message(broken(message, headers=headers))
    assert caught.value.reason == "unknown_type"


def test_schema_failure_on_consume():
    with pytest.raises(InvalidEvent) as caught:
        Event.from_message(broken(make().to_message(), value=b'{"userId": 1}'))
    assert caught.value.reason == "schema"
    assert Event.from_message(broken(make().to_message(), value=b'{"userId": 1}'), validate=False)


@pytest.mark.parametrize("drop", ["ce_id", "ce_source", "ce_type", "ce_specversion"])
def test_missing_required_header_is_an_envelope_error(drop):
    message = make().to_message()
    headers = tuple((k, v) for k, v in message.headers if k != drop)
    with pytest.raises(InvalidEvent) as caught:
        Event.from_message(broken(message, headers=headers))
    assert caught.value.reason == "envelope"


@pytest.mark.parametrize(
    "name,value",
    [("ce_specversion", b"0.3"), ("ce_time", b"yesterday"), ("content-type", b"text/xml")],
)
def test_bad_envelope_values(name, value):
    message = make().to_message()
    headers = tuple((k, value if k == name else v) for k, v in message.headers)
    with pytest.raises(InvalidEvent) as caught:
        Event.from_message(broken(message, headers=headers))
    assert caught.value.reason == "envelope"


def test_time_is_utc_with_z():
    moment = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert format_time(moment) == "2025-01-02T03:04:05.678Z"
    assert parse_time("2025-01-02T03:04:05.678Z") == moment


def test_describe_names_no_payload_data():
    text = make().describe()
    assert "user.created" in text and "u-1" in text and "a@example.com" not in text


def test_invalid_event_refuses_an_unknown_reason():
    with pytest.raises(ValueError):
        InvalidEvent("mystery")


def test_message_header_returns_the_last_value():
    message = Message(topic="t", value=b"", headers=(("a", b"1"), ("a", b"2")))
    assert message.header("a") == b"2" and message.header("b") is None


def test_ids_are_unique_version_4_uuids_and_traceparents_are_w3c():
    events = [make() for _ in range(2000)]
    assert len({event.id for event in events}) == len(events)
    for event in events[:200]:
        parsed = uuid.UUID(event.id)
        assert str(parsed) == event.id
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", event.traceparent)
    assert len({event.traceparent for event in events}) == len(events)


def test_a_given_traceparent_is_kept():
    parent = "00-" + "1" * 32 + "-" + "2" * 16 + "-01"
    assert (
        Event.create("user.created", dict(DATA), source="a", traceparent=parent).traceparent
        == parent
    )


def test_ce_time_of_a_new_event_is_format_time_of_its_time(monkeypatch):
    from wanzo_common.events import encoding

    for ns in (1_767_225_599_999_999_999, 1_767_225_600_000_000_000, 1_767_225_600_012_345_678):
        monkeypatch.setattr(encoding._time, "time_ns", lambda ns=ns: ns)
        event = make()
        text = dict(event.to_message().headers)["ce_time"].decode()
        expected = datetime.fromtimestamp(ns // 1_000_000 / 1000, UTC)
        assert text == format_time(expected) and event.time == expected


def test_body_is_compact_utf8_json():
    data = {"userId": "ü-1", "email": "é@example.com", "userType": "SME_USER",
            "organization": {"id": "o", "name": "Ñ \"q\"", "country": "CD"}}  # fmt: skip
    body = make_with(data).body()
    assert body == json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def make_with(data):
    return Event.create("user.created", data, source="auth")


def test_events_compare_hash_pickle_and_hide_their_data():
    event = make(correlation_id="req-2")
    decoded = Event.from_message(event.to_message())
    assert decoded == event and hash(decoded) == hash(event) and decoded != make()
    assert pickle.loads(pickle.dumps(event)) == event
    assert "a@example.com" not in repr(event) and event.id in repr(event)


def test_headers_of_a_decoded_event_are_the_original_ones():
    message = make(correlation_id="req-3").to_message()
    assert dict(Event.from_message(message).headers()) == dict(message.headers)
