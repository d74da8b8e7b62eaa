"""One contract, every transport: what the publisher, the relay and the consumer engine rely on.

The kafka runs talk over TCP to a separate broker process: the dev broker started for the
session, or the cluster named by KAFKA_BROKERS (so the same suite validates a real Kafka).
"""

import time
import uuid

import pytest

from wanzo_common.events.envelope import Event
from wanzo_common.events.testing import kafka_settings
from wanzo_common.events.transports import DeliveryError, Message, resolve_transport
from wanzo_common.events.transports.mock import Transport as MockTransport

pytest_plugins = ["wanzo_common.events.testing"]

CE_HEADERS = {"ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time", "ce_subject",
              "content-type", "ce_dataschema", "traceparent"}  # fmt: skip
DEADLINE = 30.0
KAFKA = [pytest.mark.integration, pytest.mark.kafka]


def options_for(kind, request):
    if kind == "mock":
        return {"partitions": 3}
    brokers = request.getfixturevalue("devbroker")
    config = kafka_settings(brokers)
    return {
        "brokers": config["BROKERS"],
        "client_id": "contract",
        "config": config["OPTIONS"],
        "dev_broker": config["DEV_BROKER"],
    }


@pytest.fixture(params=["mock", pytest.param("kafka", marks=KAFKA)])
def transport(request):
    cls = resolve_transport(request.param)
    made = cls(options=options_for(request.param, request))
    if isinstance(made, MockTransport):
        made.reset()
    consumers = []
    original = made.consumer

    def tracked(**kwargs):
        consumers.append(original(**kwargs))
        return consumers[-1]

    made.consumer = tracked
    yield made
    for consumer in consumers:
        consumer.close()
    made.close()


@pytest.fixture
def topic():
    return f"contract.{uuid.uuid4().hex[:12]}"


def group():
    return f"g-{uuid.uuid4().hex[:12]}"


def consume(consumer, count, *, store=True):
    """Poll until ``count`` messages arrived (or the deadline)."""
    got = []
    deadline = time.monotonic() + DEADLINE
    while len(got) < count and time.monotonic() < deadline:
        message = consumer.poll(0.2)
        if message is not None:
            got.append(message)
            if store:
                consumer.store(message)
    return got


def nothing_more(consumer, polls=5):
    return all(consumer.poll(0.2) is None for _ in range(polls))


def event_message(topic, user_id="u-1"):
    event = Event.create(
        "auth.logout", {"userId": user_id}, source="contract", correlation_id="c-1"
    )
    return event, event.to_message(topic)


def test_round_trip_keeps_value_key_and_cloudevents_headers(transport, topic):
    event, message = event_message(topic)
    transport.send([message])
    [received] = consume(transport.consumer(group_id=group(), topics=[topic]), 1)
    assert (received.topic, received.value, received.key) == (topic, message.value, b"u-1")
    assert received.partition is not None and received.offset is not None
    headers = dict(received.headers)
    assert CE_HEADERS | {"ce_correlationid"} <= set(headers)
    assert all(isinstance(value, bytes) for value in headers.values())
    assert headers["ce_subject"] == received.key
    assert Event.from_message(received) == event


def test_per_key_order_and_partitioning(transport, topic):
    keys = [f"user-{n}" for n in range(4)]
    messages = [
        Message(topic=topic, value=str(seq).encode(), key=keys[seq % 4]) for seq in range(40)
    ]
    messages = [Message(topic=m.topic, value=m.value, key=m.key.encode()) for m in messages]
    transport.send(messages[:20])
    transport.send(messages[20:])
    received = consume(transport.consumer(group_id=group(), topics=[topic]), 40)
    assert len(received) == 40
    for key in keys:
        mine = [m for m in received if m.key == key.encode()]
        assert [int(m.value) for m in mine] == sorted(int(m.value) for m in mine)
        assert len({m.partition for m in mine}) == 1
        offsets = [m.offset for m in mine]
        assert offsets == sorted(offsets)


def test_offsets_are_per_group_and_survive_a_restart(transport, topic):
    transport.send([Message(topic=topic, value=b"%d" % n, key=b"k") for n in range(3)])
    first, second = group(), group()
    consumer = transport.consumer(group_id=first, topics=[topic])
    assert len(consume(consumer, 3)) == 3
    consumer.commit()
    consumer.close()
    assert len(consume(transport.consumer(group_id=second, topics=[topic]), 3)) == 3
    transport.send([Message(topic=topic, value=b"late", key=b"k")])
    restarted = transport.consumer(group_id=first, topics=[topic])
    [late] = consume(restarted, 1)
    assert late.value == b"late"
    assert nothing_more(restarted)


def test_unstored_messages_are_redelivered(transport, topic):
    transport.send([Message(topic=topic, value=b"%d" % n, key=b"k") for n in range(4)])
    name = group()
    consumer = transport.consumer(group_id=name, topics=[topic])
    got = consume(consumer, 4, store=False)
    consumer.store(got[0])
    consumer.store(got[1])
    consumer.close()
    again = consume(transport.consumer(group_id=name, topics=[topic]), 2)
    assert [m.value for m in again] == [b"2", b"3"]


def test_lag_counts_what_is_left(transport, topic):
    transport.send([Message(topic=topic, value=b"%d" % n, key=b"k") for n in range(5)])
    consumer = transport.consumer(group_id=group(), topics=[topic])
    consume(consumer, 2)
    lag = consumer.lag()
    assert all(t == topic for t, _ in lag) and sum(lag.values()) == 3
    consume(consumer, 3)
    assert sum(consumer.lag().values()) == 0


def test_lag_of_a_restarted_group_with_nothing_new_is_zero(transport, topic):
    """Counted from the committed offset, never the low watermark, until a message arrives."""
    transport.send([Message(topic=topic, value=b"%d" % n, key=b"k") for n in range(4)])
    name = group()
    consumer = transport.consumer(group_id=name, topics=[topic])
    received = consume(consumer, 4)
    consumer.commit()
    consumer.close()
    partition = (topic, received[0].partition)
    restarted = transport.consumer(group_id=name, topics=[topic])
    deadline = time.monotonic() + DEADLINE
    while partition not in restarted.lag() and time.monotonic() < deadline:
        assert restarted.poll(0.2) is None  # joining the group; nothing new to consume
    lag = restarted.lag()
    assert lag[partition] == 0 and set(lag.values()) == {0}


def test_from_latest_skips_the_backlog(transport, topic):
    transport.send([Message(topic=topic, value=b"old", key=b"k")])
    consumer = transport.consumer(group_id=group(), topics=[topic], from_beginning=False)
    received = []
    deadline = time.monotonic() + DEADLINE
    # Kafka resolves "latest" some time after joining: keep sending until a new one arrives.
    while not received and time.monotonic() < deadline:
        transport.send([Message(topic=topic, value=b"new", key=b"k")])
        received = consume_for(consumer, 0.5)
    assert received and {m.value for m in received} == {b"new"}


def consume_for(consumer, seconds):
    got, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        message = consumer.poll(0.1)
        if message is not None:
            got.append(message)
    return got


def test_send_async_and_flush(transport, topic):
    for n in range(5):
        transport.send_async(Message(topic=topic, value=b"%d" % n, key=b"k"))
    assert transport.flush(10) == 0
    assert len(consume(transport.consumer(group_id=group(), topics=[topic]), 5)) == 5


def test_ping_and_ensure_topics(transport, topic):
    transport.ping()
    transport.ensure_topics([topic])
    transport.send([Message(topic=topic, value=b"x")])
    assert len(consume(transport.consumer(group_id=group(), topics=[topic]), 1)) == 1


def test_null_value_and_no_key(transport, topic):
    transport.send([Message(topic=topic, value=None)])
    [received] = consume(transport.consumer(group_id=group(), topics=[topic]), 1)
    assert received.value is None and received.key is None


@pytest.fixture(params=["mock", pytest.param("kafka", marks=KAFKA)])
def unreachable(request):
    if request.param == "mock":
        transport = MockTransport(options={})
        transport.reset()
        transport.set_available(False)
        yield transport
        transport.reset()
        return
    cls = resolve_transport("kafka")
    # Port 9 (discard) on loopback: nothing listens, connections are refused at once.
    transport = cls(options={"brokers": ["127.0.0.1:9"], "config": {"message.timeout.ms": 1500}})
    yield transport
    transport.close()


def test_unacknowledged_send_raises_delivery_error(unreachable, topic):
    with pytest.raises(DeliveryError):
        unreachable.send([Message(topic=topic, value=b"x")], timeout=2)
    with pytest.raises(Exception):  # noqa: B017 (each transport raises its own error type)
        unreachable.ping(timeout=1)
    unreachable.send_async(Message(topic=topic, value=b"x"))  # never raises
