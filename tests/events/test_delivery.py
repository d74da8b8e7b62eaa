"""Delivery reports of single messages: one callback per (topic, type), counting and logging."""

import logging

from wanzo_common.events import metrics
from wanzo_common.events.transports.delivery import raw_type, reporter


def published(topic, type_name, outcome):
    return metrics.published_counter(topic, type_name, outcome)._value.get()


class FakeError:
    def str(self):
        return "Local: Message timed out"


class FakeMessage:
    def headers(self):
        return [("ce_type", b"user.created"), ("ce_id", b"evt-1"), ("x", None)]


def test_one_reporter_per_topic_and_type():
    assert reporter("delivery.a", b"user.created") is reporter("delivery.a", b"user.created")
    assert reporter("delivery.a", b"user.created") is not reporter("delivery.b", b"user.created")
    assert reporter("delivery.a", b"user.created") is not reporter("delivery.a", b"user.deleted")


def test_a_delivered_message_is_counted_as_sent():
    before = published("delivery.c", "user.created", "sent")
    report = reporter("delivery.c", b"user.created")
    report(None, FakeMessage())
    report(None, FakeMessage())
    assert published("delivery.c", "user.created", "sent") == before + 2


def test_a_failed_delivery_is_counted_and_logged_with_the_event_id(caplog):
    before = published("delivery.d", "user.created", "failed")
    with caplog.at_level(logging.ERROR):
        reporter("delivery.d", b"user.created")(FakeError(), FakeMessage())
    assert published("delivery.d", "user.created", "failed") == before + 1
    assert "evt-1" in caplog.text and "timed out" in caplog.text


def test_types_that_are_missing_or_not_utf8_are_labelled_unknown():
    before = published("delivery.e", "unknown", "sent")
    reporter("delivery.e", None)(None, FakeMessage())
    reporter("delivery.e", b"\xff")(None, FakeMessage())
    assert published("delivery.e", "unknown", "sent") == before + 2


def test_raw_type_reads_the_ce_type_header():
    assert raw_type((("ce_id", b"1"), ("ce_type", b"auth.logout"))) == b"auth.logout"
    assert raw_type((("ce_id", b"1"),)) is None
