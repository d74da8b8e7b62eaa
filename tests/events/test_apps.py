import logging

import pytest
from django.apps import apps

import wanzo_common.events as events
from tests.integration.conftest import free_port
from wanzo_common import health
from wanzo_common.events.apps import broker_ready, describe_transport, transport_name
from wanzo_common.events.registry import RejectEvent
from wanzo_common.events.testing import kafka_settings

pytest_plugins = ["wanzo_common.events.testing"]


def test_app_label_and_readiness_probe_registered():
    assert apps.get_app_config("wanzo_events").name == "wanzo_common.events"
    assert health.READINESS_DEPENDENCIES["events_broker"] is broker_ready
    assert "events_broker" not in health.READINESS_CHECKS
    assert health.READINESS_DETAILS["transport"] is transport_name


def test_ready_logs_the_transport_once(settings, caplog):
    settings.WANZO_EVENTS = {"TRANSPORT": "kafka", "BROKERS": ["k1:9092", "k2:9092"]}
    with caplog.at_level(logging.INFO, logger="wanzo_common.events.apps"):
        apps.get_app_config("wanzo_events").ready()
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == "events transport: kafka (k1:9092,k2:9092)"


def test_the_log_line_says_the_mock_stays_in_the_process(settings):
    settings.WANZO_EVENTS = {"TRANSPORT": "mock"}
    assert describe_transport() == (
        "events transport: mock (in-memory, this process only; not allowed to relay)"
    )
    settings.WANZO_EVENTS = {"TRANSPORT": "mock", "ALLOW_MOCK": True}
    assert describe_transport().endswith("(in-memory, this process only; allowed by ALLOW_MOCK)")
    settings.WANZO_EVENTS = {"TRANSPORT": "kafak"}
    assert describe_transport() == "events transport: kafak (invalid, see wanzo_events.E001)"


def test_reject_event_is_public():
    assert "RejectEvent" in events.__all__
    assert events.RejectEvent is RejectEvent


def test_readiness_follows_the_broker(mock_transport):
    broker_ready()
    mock_transport.set_available(False)
    with pytest.raises(ConnectionError):
        broker_ready()


@pytest.mark.parametrize("name", events.__all__)
def test_public_api_names_resolve(name):
    assert getattr(events, name) is not None


def test_unknown_public_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        events.nothing_here  # noqa: B018


@pytest.mark.django_db
def test_readyz_reports_a_kafka_broker_outage_and_stays_ready(settings, devbroker, client):
    from wanzo_common.monitoring.testing import metric_value

    settings.WANZO_EVENTS = kafka_settings(devbroker, SEND_TIMEOUT=1)
    up = client.get("/readyz")
    assert up.status_code == 200 and up.json()["dependencies"]["events_broker"] == "ok"
    assert metric_value("events_broker_up") == 1

    settings.WANZO_EVENTS = kafka_settings(f"127.0.0.1:{free_port()}", SEND_TIMEOUT=1)
    down = client.get("/readyz")
    # The outbox absorbs a broker outage: web stays in rotation, the broker's state is reported.
    assert down.status_code == 200
    assert down.json()["checks"] == {"database": "ok"}
    assert down.json()["dependencies"] == {"events_broker": "unavailable"}
    assert metric_value("events_broker_up") == 0
