import logging
import time
import uuid

import pytest
from django.db import transaction

from tests.integration.conftest import free_port
from wanzo_common.events import deadletter, metrics
from wanzo_common.events.envelope import Event
from wanzo_common.events.exceptions import InvalidEvent
from wanzo_common.events.models import OutboxEvent
from wanzo_common.events.publisher import publish, publish_many
from wanzo_common.events.testing import assert_published, kafka_settings
from wanzo_common.events.transports import DeliveryError, get_transport, reset_transports
from wanzo_common.monitoring.logging import reset_request_id, set_request_id

pytest_plugins = ["wanzo_common.events.testing"]

DATA = {"userId": "u-7", "email": "private@example.com", "userType": "SME_OWNER"}


def published(topic, type_name, outcome):
    value = metrics.KAFKA_EVENTS_PUBLISHED.labels(topic=topic, type=type_name, outcome=outcome)
    return value._value.get()


@pytest.mark.django_db
def test_default_mode_writes_an_outbox_row_and_sends_nothing(mock_transport):
    before = published("wanzo.users", "user.created", "queued")
    event = publish("user.created", DATA)
    row = OutboxEvent.objects.get()
    assert (row.event_id, row.type, row.topic, row.key) == (
        event.id,
        "user.created",
        "wanzo.users",
        "u-7",
    )
    assert row.sent_at is None
    assert Event.from_message(row.to_message()) == event
    assert mock_transport.outbox == []
    assert published("wanzo.users", "user.created", "queued") == before + 1


@pytest.mark.django_db
def test_publish_many_writes_the_rows_publish_would_in_one_insert(mock_transport):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    before = published("wanzo.users", "user.created", "queued")
    other = {**DATA, "userId": "u-8"}
    with CaptureQueriesContext(connection) as captured:
        events = publish_many([("user.created", DATA), ("user.created", other)])

    assert len(captured.captured_queries) == 1
    rows = list(OutboxEvent.objects.order_by("id"))
    assert [(row.event_id, row.key) for row in rows] == [(events[0].id, "u-7"), (events[1].id, "u-8")]
    assert [Event.from_message(row.to_message()) for row in rows] == events
    assert mock_transport.outbox == []
    assert published("wanzo.users", "user.created", "queued") == before + 2
    with pytest.raises(InvalidEvent):
        publish_many([("user.created", DATA), ("user.created", {"userId": 7})])
    assert OutboxEvent.objects.count() == 2  # validated first: nothing of a bad call is written


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_publishes_nothing(events_outbox):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            publish("user.created", DATA)
            raise RuntimeError("business failure")
    assert OutboxEvent.objects.count() == 0
    assert len(events_outbox) == 0


@pytest.mark.django_db(transaction=True)
def test_a_committed_transaction_keeps_its_event(events_outbox):
    with transaction.atomic():
        publish("user.created", DATA)
    assert_published("user.created", userId="u-7")


def test_immediate_mode_sends_now_without_the_database(mock_transport):
    before = published("wanzo.users", "user.deleted", "sent")
    event = publish("user.deleted", {"userId": "u-1"}, immediate=True)
    [message] = mock_transport.outbox
    assert Event.from_message(message) == event
    assert published("wanzo.users", "user.deleted", "sent") == before + 1


def test_outbox_setting_false_means_immediate(mock_transport, settings):
    settings.WANZO_EVENTS = {**settings.WANZO_EVENTS, "OUTBOX": False}
    publish("auth.logout", {"userId": "u-1"})
    assert len(mock_transport.outbox) == 1


def test_invalid_payload_raises_before_anything_is_written(mock_transport):
    with pytest.raises(InvalidEvent) as caught:
        publish("user.created", {"userId": "u-1"}, immediate=True)
    assert caught.value.reason == "schema"
    with pytest.raises(ValueError):
        publish("user.unknown", {}, immediate=True)
    assert mock_transport.outbox == []


def test_correlation_id_comes_from_the_request_context(mock_transport):
    token = set_request_id("req-abc")
    try:
        event = publish("auth.logout", {"userId": "u-1"}, immediate=True)
    finally:
        reset_request_id(token)
    assert event.correlation_id == "req-abc"
    assert (
        publish("auth.logout", {"userId": "u"}, immediate=True, correlation_id="x").correlation_id
        == "x"
    )


def test_no_request_context_means_no_correlation_id(mock_transport):
    assert publish("auth.logout", {"userId": "u-1"}, immediate=True).correlation_id is None


def test_source_is_the_service(mock_transport, settings):
    assert publish("auth.logout", {"userId": "u"}, immediate=True).source == settings.SERVICE_NAME


def test_logs_never_contain_the_payload(mock_transport, caplog):
    caplog.set_level(logging.DEBUG, logger="wanzo_common.events")
    event = publish("user.created", DATA, immediate=True)
    assert event.id in caplog.text
    assert "private@example.com" not in caplog.text


def test_broker_down_in_immediate_mode_raises_delivery_error(mock_transport):
    mock_transport.set_available(False)
    before = published("wanzo.auth", "auth.logout", "failed")
    with pytest.raises(DeliveryError):
        publish("auth.logout", {"userId": "u-1"}, immediate=True)
    assert published("wanzo.auth", "auth.logout", "failed") == before + 1
    assert mock_transport.outbox == []


def test_outbox_off_waits_and_raises_the_same(mock_transport, settings):
    settings.WANZO_EVENTS = {**settings.WANZO_EVENTS, "OUTBOX": False}
    mock_transport.set_available(False)
    with pytest.raises(DeliveryError):
        publish("auth.logout", {"userId": "u-1"})


# --- immediate mode on Kafka: acknowledged, or DeliveryError -------------------------------


@pytest.fixture
def kafka_events(settings, devbroker):
    prefix = f"pub-{uuid.uuid4().hex[:8]}."
    settings.WANZO_EVENTS = kafka_settings(devbroker, TOPIC_PREFIX=prefix, SOURCE="testsvc")
    yield prefix + "wanzo.auth"
    reset_transports()


def test_immediate_publish_returns_once_the_broker_acknowledged(kafka_events, settings):
    before = published(kafka_events, "auth.logout", "sent")
    event = publish("auth.logout", {"userId": "u-ack"}, immediate=True)

    # Acknowledged: counted as sent before publish returned, and nothing left in the producer.
    assert published(kafka_events, "auth.logout", "sent") == before + 1
    assert get_transport().flush(0) == 0
    consumer = get_transport().consumer(
        group_id=deadletter.throwaway_group(kafka_events), topics=[kafka_events]
    )
    try:
        [message] = deadletter.read(consumer, max_messages=1, idle_timeout=30)
    finally:
        consumer.close()
    assert Event.from_message(message) == event


def test_immediate_publish_with_the_broker_down_raises_within_the_send_timeout(
    kafka_events, settings
):
    settings.WANZO_EVENTS = {
        **settings.WANZO_EVENTS, "BROKERS": [f"127.0.0.1:{free_port()}"], "SEND_TIMEOUT": 1,
    }  # fmt: skip
    before = published(kafka_events, "auth.logout", "failed")
    started = time.monotonic()

    with pytest.raises(DeliveryError, match="topics not available"):
        publish("auth.logout", {"userId": "u-lost"}, immediate=True)
    # A topic known to exist: the message is produced, not acknowledged, then purged.
    get_transport()._topics.add(kafka_events)
    with pytest.raises(DeliveryError, match="not acknowledged"):
        publish("auth.logout", {"userId": "u-lost"}, immediate=True)

    # Each bounded by SEND_TIMEOUT (1 s), not by librdkafka's message.timeout.ms (30 s).
    assert time.monotonic() - started < 20
    assert published(kafka_events, "auth.logout", "failed") == before + 2
    assert get_transport().flush(0) == 0  # nothing left queued to be "undelivered at close"
