"""librdkafka statistics -> kafka_client_* / kafka_broker_* gauges (wanzo_common.events.kafka_stats)."""

import json
import time
import uuid

import pytest
from prometheus_client import REGISTRY

from wanzo_common.events import metrics
from wanzo_common.events.conf import events_settings
from wanzo_common.events.kafka_stats import record_statistics, statistics_config
from wanzo_common.events.testing import kafka_settings
from wanzo_common.events.transports import Message, transport_options
from wanzo_common.events.transports.kafka_config import consumer_config, producer_config
from wanzo_common.monitoring.testing import metric_value
from wanzo_common.settings import Env

pytest_plugins = ["wanzo_common.events.testing"]


def broker_stats(nodename, *, source="learned", nodeid=1, state="UP", rtt_avg=0, tx=0, rx=0):
    return {
        "name": f"{nodename}/{nodeid}", "nodename": nodename, "nodeid": nodeid, "source": source,
        "state": state, "txerrs": tx, "rxerrs": rx, "tx": 10, "rx": 10,
        "rtt": {"min": 0, "max": rtt_avg * 2, "avg": rtt_avg, "p99": rtt_avg * 2, "cnt": 3},
    }  # fmt: skip


def stats_document(brokers, *, msg_cnt=0, msg_size=0):
    """The fields we read of a librdkafka statistics document, with some we ignore around them."""
    return json.dumps({
        "name": "rdkafka#producer-1", "client_id": "wanzo-auth", "type": "producer",
        "ts": 5316562408, "time": 1796036949, "replyq": 0, "msg_cnt": msg_cnt,
        "msg_size": msg_size, "msg_max": 100000, "msg_size_max": 1073741824,
        "brokers": {broker["name"]: broker for broker in brokers}, "topics": {},
    })  # fmt: skip


def fresh_broker():
    return f"broker-{uuid.uuid4().hex[:12]}:9092"  # unique: gauges outlive a test


def broker_value(name, role, broker):
    return metric_value(name, role=role, broker=broker)


def test_a_document_sets_client_and_broker_gauges():
    up, down = fresh_broker(), fresh_broker()
    record_statistics(
        stats_document(
            [broker_stats(up, rtt_avg=2500, tx=3, rx=4), broker_stats(down, nodeid=2, state="DOWN")],
            msg_cnt=7, msg_size=1234,
        ),
        role="consumer",
    )  # fmt: skip
    assert metric_value("kafka_client_queued_messages", role="consumer") == 7
    assert metric_value("kafka_client_queued_bytes", role="consumer") == 1234
    assert broker_value("kafka_broker_rtt_seconds", "consumer", up) == pytest.approx(0.0025)
    assert broker_value("kafka_broker_connected", "consumer", up) == 1
    assert broker_value("kafka_broker_connected", "consumer", down) == 0
    assert broker_value("kafka_broker_tx_errors", "consumer", up) == 3
    assert broker_value("kafka_broker_rx_errors", "consumer", up) == 4


def test_a_later_document_replaces_the_figures():
    broker = fresh_broker()
    record_statistics(stats_document([broker_stats(broker, tx=1)], msg_cnt=5), role="producer")
    record_statistics(stats_document([broker_stats(broker, tx=6, state="DOWN")]), role="producer")
    assert metric_value("kafka_client_queued_messages", role="producer") == 0
    assert broker_value("kafka_broker_tx_errors", "producer", broker) == 6
    assert broker_value("kafka_broker_connected", "producer", broker) == 0


def test_internal_and_logical_brokers_are_skipped_and_learned_beats_bootstrap():
    real, coordinator_only = fresh_broker(), fresh_broker()
    record_statistics(
        stats_document([
            broker_stats(real, source="learned", state="UP"),
            broker_stats(real, source="configured", nodeid=-1, state="DOWN"),
            broker_stats(coordinator_only, source="logical", nodeid=0),
            broker_stats("", source="internal", nodeid=-1),
        ]),
        role="producer",
    )  # fmt: skip
    assert broker_value("kafka_broker_connected", "producer", real) == 1
    assert REGISTRY.get_sample_value(
        "kafka_broker_connected", {"role": "producer", "broker": coordinator_only}
    ) is None  # fmt: skip


@pytest.mark.parametrize(
    "document",
    ["", "not json", b"\xff\xfe", "[1, 2]", "null", '{"msg_cnt": 1}',
     '{"msg_cnt": "x", "msg_size": 1}', '{"msg_cnt": 1, "msg_size": 2, "brokers": [1]}',
     '{"msg_cnt": 1, "msg_size": 2, "brokers": {"b": {"nodename": "n", "rtt": {"avg": "?"}}}}'],
)  # fmt: skip
def test_a_malformed_document_never_raises(document, caplog):
    with caplog.at_level("DEBUG", logger="wanzo_common.events.kafka_stats"):
        record_statistics(document, role="malformed")
    assert "not recorded" in caplog.text


def test_statistics_config_is_empty_when_disabled_and_tags_the_role():
    assert statistics_config(role="producer", interval_ms=0) == {}
    config = statistics_config(role="consumer", interval_ms=250)
    assert config["statistics.interval.ms"] == 250
    broker = fresh_broker()
    config["stats_cb"](stats_document([broker_stats(broker)], msg_cnt=2))
    assert broker_value("kafka_broker_connected", "consumer", broker) == 1


def test_both_clients_get_the_callback_unless_the_options_give_one():
    common = {"bootstrap.servers": "k:9092"}
    options = {"statistics_interval_ms": 500}
    produced = producer_config(common, options)
    consumed = consumer_config(common, options, group_id="g", from_beginning=True)
    assert produced["statistics.interval.ms"] == consumed["statistics.interval.ms"] == 500
    assert produced["stats_cb"].keywords == {"role": "producer"}
    assert consumed["stats_cb"].keywords == {"role": "consumer"}
    own = {**options, "producer_config": {"stats_cb": print}}
    assert producer_config(common, own)["stats_cb"] is print
    for disabled in ({}, {"statistics_interval_ms": 0}, {"statistics_interval_ms": "soon"}):
        assert "stats_cb" not in producer_config(common, disabled)


def test_the_interval_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("KAFKA_STATISTICS_INTERVAL_MS", raising=False)
    assert events_settings(Env(tmp_path / "missing.env"), "auth")["STATISTICS_INTERVAL_MS"] == 15000
    monkeypatch.setenv("KAFKA_STATISTICS_INTERVAL_MS", "0")
    assert events_settings(Env(tmp_path / "missing.env"), "auth")["STATISTICS_INTERVAL_MS"] == 0


def test_the_transport_reads_the_setting(settings):
    from wanzo_common.events.transports.kafka import Transport

    settings.WANZO_EVENTS = {"STATISTICS_INTERVAL_MS": 1234}
    assert Transport(options=transport_options()).options["statistics_interval_ms"] == 1234
    settings.WANZO_EVENTS = {"STATISTICS_INTERVAL_MS": 0}
    assert Transport(options=transport_options()).options["statistics_interval_ms"] == 0


@pytest.mark.integration
def test_a_producer_reports_its_broker_connected(settings, devbroker):
    from wanzo_common.events.transports.kafka import Transport

    settings.WANZO_EVENTS = kafka_settings(devbroker, STATISTICS_INTERVAL_MS=100)
    transport = Transport(options=transport_options())
    try:
        metadata = transport.producer.list_topics(timeout=10)
        brokers = [f"{broker.host}:{broker.port}" for broker in metadata.brokers.values()]
        for broker in brokers:  # forget figures an earlier test left for the same broker
            metrics.KAFKA_BROKER_CONNECTED.labels(role="producer", broker=broker).set(0)
        transport.send([Message(topic=f"stats.{uuid.uuid4().hex[:12]}", value=b"{}")])

        def connected():
            return [b for b in brokers if broker_value("kafka_broker_connected", "producer", b)]

        deadline = time.monotonic() + 15
        while not connected() and time.monotonic() < deadline:
            transport.producer.poll(0.1)
        assert connected()
    finally:
        transport.close()
