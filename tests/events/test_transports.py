"""Transport selection and caching, and what is particular to each transport."""

import logging
import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from wanzo_common.events import transports
from wanzo_common.events.transports import get_transport, reset_transports, resolve_transport
from wanzo_common.events.transports.base import BaseTransport, Message
from wanzo_common.events.transports.kafka import Transport as KafkaTransport
from wanzo_common.events.transports.mock import Transport as MockTransport


def test_aliases_and_dotted_paths():
    assert resolve_transport("mock") is MockTransport
    assert resolve_transport("kafka") is KafkaTransport
    assert resolve_transport("wanzo_common.events.transports.mock") is MockTransport
    assert resolve_transport("wanzo_common.events.transports.mock.Transport") is MockTransport


def test_unknown_alias_suggests_one():
    with pytest.raises(ImproperlyConfigured, match="Did you mean 'mock'"):
        resolve_transport("mokc")


def test_a_path_to_something_else_is_refused():
    with pytest.raises(ImproperlyConfigured):
        resolve_transport("wanzo_common.events.conf.DEFAULTS")


def test_get_transport_is_cached_and_reset_on_setting_change(settings):
    settings.WANZO_EVENTS = {"TRANSPORT": "mock"}
    first = get_transport()
    assert get_transport() is first
    settings.WANZO_EVENTS = {"TRANSPORT": "mock", "PARTITIONS": 5}
    second = get_transport()
    assert second is not first and second.partitions == 5


def in_forked_child(check):
    """Run ``check()`` in a forked child; its boolean result, read back through a pipe."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        result = b"0"
        try:
            result = b"1" if check() else b"0"
        finally:
            os.write(write, result)
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as pipe:
        return pipe.read() == b"1"


def test_a_forked_child_builds_its_own_transport(settings):
    settings.WANZO_EVENTS = {"TRANSPORT": "kafka", "BROKERS": ["127.0.0.1:9"]}
    parent = get_transport()
    assert get_transport() is parent
    assert in_forked_child(
        lambda: isinstance(get_transport(), KafkaTransport) and get_transport() is not parent
    )
    assert get_transport() is parent  # the parent's is untouched
    reset_transports(close=False)


def test_kafka_producer_is_lazy_and_recreated_after_fork():
    transport = KafkaTransport(options={"brokers": ["127.0.0.1:9"], "client_id": "t"})
    assert transport._producer is None  # nothing connects until first use
    producer = transport.producer
    assert transport.producer is producer

    def child_forgot_the_producer():
        forgotten = transport._producer is None
        return forgotten and transport.producer is not producer

    assert in_forked_child(child_forgot_the_producer)
    assert transport.producer is producer
    transport._producer = None  # nothing to flush: its broker does not exist


def test_kafka_producer_is_idempotent_with_acks_all():
    from wanzo_common.events.transports.kafka import PRODUCER_DEFAULTS

    assert PRODUCER_DEFAULTS["enable.idempotence"] is True
    assert PRODUCER_DEFAULTS["acks"] == "all"


def test_kafka_options_become_librdkafka_config():
    transport = KafkaTransport(options={
        "brokers": ["a:1", "b:2"], "client_id": "svc",
        "security": {"security.protocol": "SASL_SSL"}, "config": {"linger.ms": 1},
    })  # fmt: skip
    assert transport.common == {
        "bootstrap.servers": "a:1,b:2", "client.id": "svc", "security.protocol": "SASL_SSL",
    }  # fmt: skip
    assert transport.extra == {"linger.ms": 1}


def test_kafka_options_go_only_to_the_clients_they_apply_to():
    from wanzo_common.events.transports.kafka_config import consumer_config, producer_config

    options = {
        "config": {"group.protocol": "consumer", "fetch.wait.max.ms": 25, "linger.ms": 1,
                   "statistics.interval.ms": 0},
        "producer_config": {"compression.type": "lz4"},
        "consumer_config": {"max.poll.interval.ms": 60000},
    }  # fmt: skip
    producer = producer_config({"bootstrap.servers": "a:1"}, options)
    assert "group.protocol" not in producer and "fetch.wait.max.ms" not in producer
    assert producer["linger.ms"] == 1 and producer["compression.type"] == "lz4"
    assert producer["statistics.interval.ms"] == 0 and producer["enable.idempotence"] is True
    consumer = consumer_config({"bootstrap.servers": "a:1"}, options, group_id="g",
                               from_beginning=False)  # fmt: skip
    assert consumer["group.protocol"] == "consumer" and consumer["fetch.wait.max.ms"] == 25
    assert "linger.ms" not in consumer and "compression.type" not in consumer
    assert consumer["max.poll.interval.ms"] == 60000 and consumer["statistics.interval.ms"] == 0
    assert consumer["group.id"] == "g" and consumer["auto.offset.reset"] == "latest"
    assert "session.timeout.ms" not in consumer  # KIP-848: the broker owns sessions


def test_kafka_clients_log_no_configuration_warnings():
    from wanzo_common.events.conf import DEV_BROKER_OPTIONS

    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    librdkafka = logging.getLogger("tests.librdkafka")
    librdkafka.addHandler(Collect())
    transport = KafkaTransport(options={
        "brokers": ["127.0.0.1:9"], "client_id": "t",
        "config": {**DEV_BROKER_OPTIONS, "logger": librdkafka},
    })  # fmt: skip
    try:
        transport.producer.poll(0)
        consumer = transport.consumer(group_id="g", topics=["t"])
        consumer.consumer.poll(0)
        consumer.consumer.close()
    finally:
        transport._producer = None  # nothing to flush: its broker does not exist
    assert not [line for line in records if "CONFWARN" in line]


def test_every_transport_module_exports_a_transport_class():
    for alias in transports.ALIASES:
        assert issubclass(resolve_transport(alias), BaseTransport)


@pytest.fixture
def mock():
    transport = MockTransport(options={"partitions": 2})
    transport.reset()
    yield transport
    transport.reset()


def test_mock_outbox_and_clear(mock):
    mock.send([Message(topic="t", value=b"1")])
    assert [m.value for m in mock.outbox] == [b"1"]
    from wanzo_common.events.transports import mock as mock_module

    assert mock_module.outbox is mock.outbox
    mock.clear()
    assert mock.outbox == []


@pytest.mark.parametrize(
    "message",
    [Message(topic="t", value="text"), Message(topic="t", value=b"", key="k"),
     Message(topic="t", value=b"", headers=(("h", "str"),)), Message(topic="", value=b"")],
)  # fmt: skip
def test_mock_refuses_what_kafka_refuses(mock, message):
    with pytest.raises(TypeError):
        mock.send([message])
    assert mock.outbox == []


def test_mock_group_members_share_partitions(mock):
    mock.ensure_topics(["t"])
    one = mock.consumer(group_id="g", topics=["t"])
    two = mock.consumer(group_id="g", topics=["t"])
    assigned = mock.broker.assignment
    assert len(assigned(one)) == 1 and len(assigned(two)) == 1
    assert set(assigned(one)) != set(assigned(two))
    two.close()
    assert len(assigned(one)) == 2


def test_mock_logs_type_id_subject_but_no_payload(mock, caplog):
    from wanzo_common.events.envelope import Event

    caplog.set_level(logging.INFO, logger="wanzo_common.events")
    event = Event.create("user.created", {"userId": "u-5", "email": "hidden@example.com",
                                          "userType": "SME_USER"}, source="t")  # fmt: skip
    mock.send([event.to_message()])
    assert "user.created" in caplog.text and event.id in caplog.text and "u-5" in caplog.text
    assert "hidden@example.com" not in caplog.text


def test_closed_mock_consumer_gets_nothing(mock):
    mock.send([Message(topic="t", value=b"1")])
    consumer = mock.consumer(group_id="g", topics=["t"])
    consumer.close()
    assert consumer.poll(0.01) is None
