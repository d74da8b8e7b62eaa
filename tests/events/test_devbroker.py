import signal
import subprocess
import sys

import pytest

from wanzo_common.events.conf import DEV_BROKER_OPTIONS
from wanzo_common.events.devbroker import start_devbroker, stop_devbroker

pytestmark = pytest.mark.integration


def test_module_prints_its_address_first_and_stops_on_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "wanzo_common.events.devbroker"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        host, port = process.stdout.readline().strip().split(":")
        assert host == "127.0.0.1" and int(port) > 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        stop_devbroker(process)


def test_start_devbroker_serves_other_processes_over_tcp():
    from confluent_kafka import Consumer, Producer

    process, address = start_devbroker()
    try:
        producer = Producer({"bootstrap.servers": address})
        producer.produce("devbroker.check", b"hello", key=b"k")
        assert producer.flush(10) == 0
        consumer = Consumer({"bootstrap.servers": address, "group.id": "check",
                             "auto.offset.reset": "earliest", "group.protocol": "consumer"})  # fmt: skip
        consumer.subscribe(["devbroker.check"])
        message = None
        for _ in range(100):
            message = consumer.poll(0.2)
            if message is not None and message.error() is None:
                break
        consumer.close()
        assert message is not None and message.value() == b"hello"
    finally:
        stop_devbroker(process)
    assert process.returncode == 0


def test_devbroker_fixture_prefers_kafka_brokers_from_the_environment(monkeypatch):
    from wanzo_common.events import testing

    monkeypatch.setenv("KAFKA_BROKERS", "kafka.example:9092")
    monkeypatch.delenv("KAFKA_GROUP_PROTOCOL", raising=False)
    monkeypatch.delenv("KAFKA_DEV_BROKER", raising=False)
    generator = testing.devbroker.__wrapped__()
    assert next(generator) == "kafka.example:9092"
    assert testing.kafka_settings("kafka.example:9092")["OPTIONS"] == {}
    assert testing.kafka_settings("127.0.0.1:1")["OPTIONS"] == DEV_BROKER_OPTIONS


def test_kafka_settings_share_the_dev_broker_options_with_the_services(monkeypatch):
    from wanzo_common.events import testing

    monkeypatch.setenv("KAFKA_BROKERS", "127.0.0.1:2")
    monkeypatch.setenv("KAFKA_DEV_BROKER", "true")
    monkeypatch.delenv("KAFKA_GROUP_PROTOCOL", raising=False)
    assert testing.kafka_settings("127.0.0.1:2")["OPTIONS"] == DEV_BROKER_OPTIONS
    assert DEV_BROKER_OPTIONS == {"group.protocol": "consumer", "fetch.wait.max.ms": 25}
    monkeypatch.setenv("KAFKA_DEV_BROKER", "false")
    monkeypatch.setenv("KAFKA_GROUP_PROTOCOL", "consumer")
    assert testing.kafka_settings("127.0.0.1:2")["OPTIONS"] == {"group.protocol": "consumer"}
