import logging

import pytest
from django.db import transaction

from wanzo_common.events import metrics
from wanzo_common.events.envelope import Event
from wanzo_common.events.exceptions import InvalidEvent
from wanzo_common.events.models import OutboxEvent
from wanzo_common.events.publisher import publish
from wanzo_common.events.testing import assert_published
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


def test_broker_down_in_immediate_mode_is_logged_not_raised(mock_transport, caplog):
    mock_transport.set_available(False)
    before = published("wanzo.auth", "auth.logout", "failed")
    publish("auth.logout", {"userId": "u-1"}, immediate=True)
    assert published("wanzo.auth", "auth.logout", "failed") == before + 1
    assert "not delivered" in caplog.text
