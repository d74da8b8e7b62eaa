import os
import signal
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from wanzo_common.events import metrics
from wanzo_common.events.envelope import Event
from wanzo_common.events.management.commands.relay_outbox import _on_signals, run_forever
from wanzo_common.events.models import OutboxEvent
from wanzo_common.events.publisher import publish
from wanzo_common.events.relay import (
    prune_outbox,
    relay_outbox,
    relay_pending,
    update_outbox_gauges,
)
from wanzo_common.events.tasks import relay_outbox_task
from wanzo_common.events.transports import DeliveryError
from wanzo_common.monitoring.testing import metric_value

pytestmark = pytest.mark.django_db


def publish_many(count, *, keys=("a", "b", "c")):
    return [publish("auth.logout", {"userId": keys[i % len(keys)]}) for i in range(count)]


def sent_ids(transport):
    return [Event.from_message(message).id for message in transport.outbox]


def test_relay_sends_pending_rows_in_order_and_marks_them_sent(mock_transport):
    events = publish_many(5)
    assert relay_outbox() == 5
    assert sent_ids(mock_transport) == [event.id for event in events]
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0
    assert relay_outbox() == 0
    assert len(mock_transport.outbox) == 5


def test_batches_and_drain(mock_transport):
    publish_many(7)
    assert relay_outbox(batch=3) == 3
    assert relay_pending(batch=3) == 4
    assert len(mock_transport.outbox) == 7


def test_max_batches_bounds_a_drain(mock_transport):
    publish_many(7)
    assert relay_pending(batch=2, max_batches=2) == 4


def test_broker_down_keeps_rows_pending_and_they_go_out_later(mock_transport):
    events = publish_many(3)
    mock_transport.set_available(False)
    with pytest.raises(DeliveryError):
        relay_outbox()
    rows = list(OutboxEvent.objects.all())
    assert all(row.sent_at is None and row.attempts == 1 and row.last_error for row in rows)
    assert mock_transport.outbox == []
    mock_transport.set_available(True)
    assert relay_pending() == 3
    assert sent_ids(mock_transport) == [event.id for event in events]


def test_gauges_report_pending_and_age(mock_transport):
    assert update_outbox_gauges() == (0, 0.0)
    publish_many(2)
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=90))
    pending, age = update_outbox_gauges()
    assert pending == 2 and age >= 90
    assert metrics.EVENTS_OUTBOX_PENDING._value.get() == 2
    assert metrics.EVENTS_OUTBOX_OLDEST_AGE._value.get() >= 90
    relay_pending()
    assert update_outbox_gauges() == (0, 0.0)


def test_prune_deletes_only_old_sent_rows(mock_transport):
    publish_many(3)
    relay_outbox(batch=2)
    OutboxEvent.objects.filter(sent_at__isnull=False).update(
        sent_at=timezone.now() - timedelta(days=30)
    )
    assert prune_outbox(older_than=timedelta(days=7)) == 2
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 1


def test_command_once(mock_transport):
    publish_many(4)
    out = StringIO()
    call_command("relay_outbox", "--once", "--batch", "3", stdout=out)
    assert "relayed 4 event(s)" in out.getvalue()
    assert len(mock_transport.outbox) == 4


def test_command_once_fails_loudly_when_the_broker_is_down(mock_transport):
    publish_many(1)
    mock_transport.set_available(False)
    with pytest.raises(CommandError):
        call_command("relay_outbox", "--once", stdout=StringIO())


def test_loop_survives_an_outage_and_stops_on_sigterm(mock_transport, monkeypatch):
    publish_many(3)
    mock_transport.set_available(False)
    stop = threading.Event()
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    _on_signals(stop)
    calls = []
    real_send = mock_transport.send

    def send(messages, *, timeout=10.0):
        calls.append(len(messages))
        if len(calls) == 2:  # the broker comes back on the second attempt
            mock_transport.set_available(True)
        real_send(messages, timeout=timeout)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(mock_transport, "send", send)
    try:
        total = run_forever(stop=stop, batch=10, interval=0.01, using="default")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert total == 3 and calls == [3, 3]
    assert len(mock_transport.outbox) == 3


def test_loop_sets_gauges_and_progress_during_an_outage(mock_transport, monkeypatch):
    """The outbox age keeps growing while the broker is down (EventsOutboxBacklogOld needs it),
    the broker gauge says so, and every round moves the liveness gauge."""
    publish_many(2)
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    mock_transport.set_available(False)
    stop = threading.Event()
    rounds = []
    real_wait = stop.wait

    def wait(pause):
        rounds.append(metric_value("events_relay_last_progress_timestamp_seconds"))
        if len(rounds) == 2:
            stop.set()
        return real_wait(0)

    monkeypatch.setattr(stop, "wait", wait)
    assert run_forever(stop=stop, batch=10, interval=0.01, using="default") == 0
    assert metric_value("events_outbox_pending") == 2
    assert metric_value("events_outbox_oldest_age_seconds") >= 600
    assert metric_value("events_broker_up") == 0
    assert rounds[1] >= rounds[0] > 0

    mock_transport.set_available(True)
    stop.clear()
    rounds.clear()
    run_forever(stop=stop, batch=10, interval=0.01, using="default")
    assert metric_value("events_broker_up") == 1
    assert metric_value("events_outbox_pending") == 0


def test_relay_command_serves_its_metrics_port(mock_transport, monkeypatch):
    from wanzo_common.events.management.commands import relay_outbox

    served = []
    monkeypatch.setattr(
        "wanzo_common.monitoring.exporter.start_exporter",
        lambda **kwargs: served.append(kwargs["port"]),
    )
    monkeypatch.setattr(relay_outbox, "run_forever", lambda **kwargs: 0)
    monkeypatch.setattr(relay_outbox, "_on_signals", lambda stop: None)
    call_command("relay_outbox", "--metrics-port", "9999", stdout=StringIO())
    assert served == [9999]


def test_celery_task_relays_and_tolerates_an_outage(mock_transport):
    publish_many(2)
    mock_transport.set_available(False)
    assert relay_outbox_task() == 0
    mock_transport.set_available(True)
    assert relay_outbox_task() == 2


class BlockingTransport:
    """Holds the first send open until released, to run a second relay in between."""

    delivers_across_processes = False  # it wraps the mock

    def __init__(self, inner):
        self.inner, self.entered, self.release, self.first = (
            inner,
            threading.Event(),
            threading.Event(),
            True,
        )

    def send(self, messages, *, timeout=10.0):
        if self.first:
            self.first = False
            self.entered.set()
            self.release.wait(10)
        self.inner.send(messages, timeout=timeout)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_relays_skip_locked_rows_and_keep_per_key_order(mock_transport):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    # Rows 1-4 are keys a,b,a,b; rows 5-8 are keys c,a,c,c. Relay 1 locks rows 1-4; relay 2
    # must skip them and must also hold back key "a" (row 6) until row 3 is sent.
    events = publish_many(4, keys=("a", "b")) + [
        publish("auth.logout", {"userId": key}) for key in ("c", "a", "c", "c")
    ]
    blocking = BlockingTransport(mock_transport)
    first = threading.Thread(
        target=lambda: (relay_outbox(batch=4, transport=blocking), connection.close())
    )
    first.start()
    assert blocking.entered.wait(10)
    assert relay_outbox(batch=10, transport=mock_transport) == 3  # only the "c" rows
    blocking.release.set()
    first.join(10)
    assert relay_pending() == 1
    by_key = {}
    for message in mock_transport.outbox:
        event = Event.from_message(message)
        by_key.setdefault(event.subject, []).append(event.id)
    for key in "abc":
        assert by_key[key] == [e.id for e in events if e.subject == key]
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_key_waits_when_another_relay_holds_a_row_between_two_of_its_rows(mock_transport):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    # Rows: a, a, a, c. Another relay holds the middle "a" row: sending the first and last
    # "a" without it would reorder key "a", so only "c" may go now.
    events = [publish("auth.logout", {"userId": key}) for key in ("a", "a", "a", "c")]
    middle = OutboxEvent.objects.get(event_id=events[1].id).pk
    locked, release = threading.Event(), threading.Event()

    def hold_the_middle_row():
        with transaction.atomic():
            list(OutboxEvent.objects.select_for_update().filter(pk=middle))
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_the_middle_row)
    holder.start()
    try:
        assert locked.wait(10)
        assert relay_outbox(batch=10) == 1
        assert [Event.from_message(m).subject for m in mock_transport.outbox] == ["c"]
    finally:
        release.set()
        holder.join(10)
    assert relay_pending() == 3
    sent_a = [Event.from_message(m).id for m in mock_transport.outbox[1:]]
    assert sent_a == [event.id for event in events[:3]]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_publish_is_never_relayed(mock_transport):
    with pytest.raises(ZeroDivisionError):
        with transaction.atomic():
            publish_many(2)
            1 / 0  # noqa: B018
    assert relay_pending() == 0 and mock_transport.outbox == []


def test_relay_refuses_a_transport_that_cannot_reach_another_process(settings, mock_transport):
    """The mock's broker is a list in this process: rows "sent" there would be lost."""
    settings.WANZO_EVENTS = {**settings.WANZO_EVENTS, "ALLOW_MOCK": False}
    events = publish_many(3)
    with pytest.raises(ImproperlyConfigured, match="delivers only within this process"):
        relay_outbox(transport=mock_transport)
    with pytest.raises(ImproperlyConfigured, match="EVENTS_ALLOW_MOCK=true"):
        relay_pending(transport=mock_transport)
    assert mock_transport.outbox == []
    pending = OutboxEvent.objects.filter(sent_at__isnull=True)
    assert [row.event_id for row in pending.order_by("id")] == [event.id for event in events]
    assert not pending.filter(attempts__gt=0).exists()  # not even counted as an attempt


def test_relay_command_and_task_refuse_it_too(settings, mock_transport):
    settings.WANZO_EVENTS = {**settings.WANZO_EVENTS, "ALLOW_MOCK": False}
    publish_many(2)
    with pytest.raises(CommandError, match="delivers only within this process"):
        call_command("relay_outbox", "--once", stdout=StringIO())
    with pytest.raises(CommandError, match="delivers only within this process"):
        call_command("relay_outbox", stdout=StringIO())  # the loop refuses before it starts
    with pytest.raises(ImproperlyConfigured):
        relay_outbox_task.apply(throw=True)
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 2


def test_allow_mock_lets_the_relay_deliver_within_the_process(settings, mock_transport):
    """Tests and demos opt in: the rows go to the mock, whose consumers here receive them."""
    assert settings.WANZO_EVENTS["ALLOW_MOCK"] is True  # as the mock_transport fixture sets it
    publish_many(2)
    assert relay_outbox() == 2
    assert len(mock_transport.outbox) == 2
