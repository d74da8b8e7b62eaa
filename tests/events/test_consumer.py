"""The consumer engine on the mock transport: every outcome, retries, dead letters, stopping.

The handlers are the test app's (``tests/testapp/handlers.py``): ``user.created`` and
``user.deleted`` are handled, ``user.updated`` is not; subjects ``fail-always-*``,
``fail-twice-*`` and ``reject-*`` make the ``user.created`` handler fail.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from django.db import OperationalError

from tests.testapp.models import Effect
from wanzo_common.events import deadletter
from wanzo_common.events.consumer import ConsumerEngine, FatalConsumerError, Outcome
from wanzo_common.events.dispatch import Dispatcher
from wanzo_common.events.envelope import Event
from wanzo_common.events.models import InboxEvent
from wanzo_common.events.registry import HandlerRegistry
from wanzo_common.events.transports import DeliveryError, Message
from wanzo_common.events.types import get_type
from wanzo_common.monitoring.testing import metric_value

pytestmark = pytest.mark.django_db

TOPIC = "wanzo.users"


@pytest.fixture
def events_settings():
    return {
        "CONSUMER_GROUP_ID": "unit",
        "MAX_ATTEMPTS": 3,
        "RETRY_BACKOFF": 0.2,
        "RETRY_BACKOFF_MAX": 0.3,
    }


@pytest.fixture
def waits(monkeypatch):
    """Backoff delays asked for, without sleeping."""
    asked: list[float] = []

    def fake_wait(self, delay: float) -> bool:
        asked.append(delay)
        return self.stopping.is_set()

    monkeypatch.setattr(Dispatcher, "wait", fake_wait)
    return asked


def event(type_name: str = "user.created", subject: str = "usr_1", **changes) -> Event:
    data = {**get_type(type_name).example, "userId": subject, **changes}
    return Event.create(type_name, data, source="test")


def send(transport, *events: Event) -> list[Event]:
    transport.send([item.to_message() for item in events])
    return list(events)


def send_raw(transport, *, value: bytes | None, headers: dict[str, str], key: bytes = b"k"):
    encoded = tuple((name, text.encode()) for name, text in headers.items())
    transport.send([Message(topic=TOPIC, value=value, key=key, headers=encoded)])


def run(transport, group: str = "unit", **kwargs):
    engine = ConsumerEngine(group=group, topics=[TOPIC], transport=transport)
    kwargs.setdefault("idle_timeout", 0.2)
    return engine.run(poll_interval=0.05, **kwargs)


def dead_letters(transport, group: str = "unit") -> list[Message]:
    return [m for m in transport.outbox if m.topic == deadletter.dlq_topic(group)]


def consumed(outcome: str, type_name: str = "user.created") -> float:
    return metric_value("kafka_events_consumed_total", topic=TOPIC, type=type_name, outcome=outcome)


def effects(**filters) -> list[str]:
    return list(Effect.objects.filter(**filters).values_list("event_id", flat=True))


def test_a_handled_event_has_its_effect_an_inbox_row_and_a_committed_offset(transport):
    (sent,) = send(transport, event())
    before = consumed("handled")

    stats = run(transport, max_messages=1)

    assert stats[Outcome.HANDLED] == 1 and stats.stopped_by == "max_messages"
    assert effects(group="unit") == [sent.id]
    assert InboxEvent.objects.filter(group="unit", event_id=sent.id, type="user.created").exists()
    assert consumed("handled") == before + 1
    assert run(transport).messages == 0  # the offset was committed: nothing is redelivered


def test_handlers_receive_the_decoded_event(transport):
    local = HandlerRegistry()
    received: list[Event] = []
    local.register("user.created", received.append)
    (sent,) = send(transport, event(subject="usr_9"))

    ConsumerEngine(group="unit", topics=[TOPIC], transport=transport, handlers=local).run(
        max_messages=1
    )

    assert [(e.id, e.subject, e.data["userId"]) for e in received] == [(sent.id, "usr_9", "usr_9")]


def test_a_redelivered_event_is_a_duplicate_without_second_effect(transport):
    (sent,) = send(transport, event())
    send(transport, sent)  # the same event id again, as after a crash before the commit
    before = consumed("duplicate")

    stats = run(transport)

    assert (stats[Outcome.HANDLED], stats[Outcome.DUPLICATE]) == (1, 1)
    assert effects() == [sent.id]
    assert consumed("duplicate") == before + 1


def test_each_group_applies_an_event_once(transport):
    (sent,) = send(transport, event())

    run(transport, group="one")
    run(transport, group="two")

    assert sorted(Effect.objects.values_list("group", flat=True)) == ["one", "two"]
    assert InboxEvent.objects.filter(event_id=sent.id).count() == 2


def test_a_failing_handler_is_retried_with_backoff_then_dead_lettered(transport, waits):
    (sent,) = send(transport, event(subject="fail-always-1"))
    before_retried = consumed("retried")
    before_dead = metric_value("kafka_dead_letters_total", topic=TOPIC, reason="max_attempts")

    stats = run(transport)

    assert stats[Outcome.DEAD_LETTERED] == 1
    assert waits == [0.2, 0.3]  # 0.2, then 0.4 capped at RETRY_BACKOFF_MAX
    assert consumed("retried") == before_retried + 2
    assert (
        metric_value("kafka_dead_letters_total", topic=TOPIC, reason="max_attempts")
        == before_dead + 1
    )
    (letter,) = dead_letters(transport)
    original = sent.to_message()
    assert letter.value == original.value and letter.key == original.key
    assert set(original.headers) <= set(letter.headers)
    assert letter.header("dlq_reason") == b"max_attempts"
    assert letter.header("dlq_attempts") == b"3"
    assert letter.header("dlq_original_topic") == TOPIC.encode()
    assert letter.header("dlq_original_partition") is not None
    assert letter.header("dlq_original_offset") == b"0"
    assert b"HandlerFailure" in letter.header("dlq_error")
    assert not effects() and not InboxEvent.objects.exists()  # failed attempts rolled back
    assert run(transport).messages == 0  # dead-lettering moved the offset on


def test_a_transient_failure_is_handled_on_a_later_attempt(transport, waits):
    (sent,) = send(transport, event(subject="fail-twice-1"))

    stats = run(transport)

    assert stats[Outcome.HANDLED] == 1 and len(waits) == 2
    assert effects() == [sent.id]
    assert not dead_letters(transport)


def test_a_rejected_event_is_dead_lettered_without_retry(transport, waits):
    send(transport, event(subject="reject-1"))

    stats = run(transport)

    assert stats[Outcome.DEAD_LETTERED] == 1 and waits == []
    (letter,) = dead_letters(transport)
    assert (letter.header("dlq_reason"), letter.header("dlq_attempts")) == (b"rejected", b"1")


def valid_headers(type_name: str = "user.created") -> dict[str, str]:
    return {name: value.decode() for name, value in event(type_name).to_message().headers}


POISON = {
    "not_json": (b"\xff{not json", valid_headers()),
    "unknown_type": (b"{}", {**valid_headers(), "ce_type": "user.exploded"}),
    "schema": (json.dumps({"userId": 42}).encode(), valid_headers()),
    "envelope": (
        json.dumps(get_type("user.created").example).encode(),
        {"ce_type": "user.created"},
    ),
}


@pytest.mark.parametrize("reason", sorted(POISON))
def test_poison_is_dead_lettered_at_once_and_the_partition_moves_on(transport, waits, reason):
    value, headers = POISON[reason]
    send_raw(transport, value=value, headers=headers, key=b"same-key")
    after = event(subject="usr_after")
    transport.send(
        [Message(topic=TOPIC, value=after.body(), key=b"same-key", headers=after.headers())]
    )
    before = metric_value("kafka_dead_letters_total", topic=TOPIC, reason=reason)

    stats = run(transport)

    assert (stats[Outcome.DEAD_LETTERED], stats[Outcome.HANDLED]) == (1, 1)
    assert waits == []
    (letter,) = dead_letters(transport)
    assert letter.header("dlq_reason") == reason.encode()
    assert letter.header("dlq_attempts") == b"0"
    assert letter.value == value
    assert metric_value("kafka_dead_letters_total", topic=TOPIC, reason=reason) == before + 1
    assert effects() == [after.id]


def test_types_without_handler_are_skipped_and_counted(transport):
    send(transport, event("user.updated"))
    before = consumed("ignored", "user.updated")

    stats = run(transport)

    assert stats[Outcome.IGNORED] == 1
    assert consumed("ignored", "user.updated") == before + 1
    assert not effects() and not InboxEvent.objects.exists()
    assert run(transport).messages == 0


def test_a_handler_for_another_group_is_not_run(transport):
    local = HandlerRegistry()
    local.register("user.created", lambda e: Effect.objects.create(event_id=e.id), group="other")
    send(transport, event())

    stats = ConsumerEngine(group="unit", topics=[TOPIC], transport=transport, handlers=local).run(
        idle_timeout=0.2, poll_interval=0.05
    )

    assert stats[Outcome.IGNORED] == 1 and not effects()


def test_stop_finishes_the_message_in_hand_and_commits_it(transport):
    sent = send(transport, *(event(subject="same") for _ in range(3)))
    local = HandlerRegistry()
    engine = ConsumerEngine(group="unit", topics=[TOPIC], transport=transport, handlers=local)

    def handle_then_stop(e: Event) -> None:
        engine.stop()  # what SIGTERM does, arriving while the handler runs
        Effect.objects.create(group="unit", event_id=e.id, type=e.type)

    local.register("user.created", handle_then_stop)

    stats = engine.run(poll_interval=0.05)

    assert stats.stopped_by == "stop" and stats[Outcome.HANDLED] == 1
    assert effects() == [sent[0].id]
    rest = run(transport)
    assert rest[Outcome.HANDLED] == 2 and rest[Outcome.DUPLICATE] == 0
    assert sorted(effects()) == sorted(e.id for e in sent)


def test_stop_during_backoff_leaves_the_message_for_redelivery(transport, monkeypatch):
    (sent,) = send(transport, event(subject="fail-twice-1"))
    monkeypatch.setattr(Dispatcher, "wait", lambda self, delay: True)  # stop arrived

    stats = run(transport)

    assert stats.stopped_by == "stop" and stats.messages == 0
    assert not dead_letters(transport)
    monkeypatch.setattr(Dispatcher, "wait", lambda self, delay: False)
    assert run(transport)[Outcome.HANDLED] == 1
    assert effects() == [sent.id]


def test_an_unreachable_dead_letter_topic_is_fatal_and_keeps_the_offset(transport, monkeypatch):
    send_raw(transport, value=b"not json", headers=valid_headers())

    def refuse(messages, *, timeout=10.0):
        raise DeliveryError("broker down")

    monkeypatch.setattr(transport, "send", refuse)
    with pytest.raises(FatalConsumerError):
        run(transport)
    monkeypatch.undo()

    assert run(transport)[Outcome.DEAD_LETTERED] == 1  # redelivered, then dead-lettered


def test_a_database_outage_is_fatal_not_a_dead_letter(transport, waits):
    local = HandlerRegistry()

    def database_down(e: Event) -> None:
        raise OperationalError("connection refused")

    local.register("user.created", database_down)
    send(transport, event())
    engine = ConsumerEngine(group="unit", topics=[TOPIC], transport=transport, handlers=local)

    with pytest.raises(FatalConsumerError):
        engine.run(idle_timeout=0.2, poll_interval=0.05)

    assert not dead_letters(transport) and len(waits) == 2
    assert run(transport)[Outcome.HANDLED] == 1  # the message was not skipped


def test_bounded_runs_stop_by_count_and_by_time(transport):
    send(transport, *(event(subject=f"usr_{i}") for i in range(5)))

    assert run(transport, max_messages=2).messages == 2
    assert run(transport, timeout=0, idle_timeout=None).stopped_by == "timeout"
    assert run(transport).messages == 3


def test_lag_is_reported_per_partition(transport):
    send(transport, *(event(subject="one-key") for _ in range(3)))

    run(transport, max_messages=1)

    values = [metric_value("kafka_consumer_lag", topic=TOPIC, partition=str(p)) for p in range(3)]
    assert sorted(values)[-1] == 2 and sum(values) == 2


def test_the_group_defaults_to_the_settings(transport):
    engine = ConsumerEngine(topics=[TOPIC], transport=transport)

    assert engine.group == "unit" and engine.dlq_topic == "unit.dlq"


def test_the_topics_default_to_every_family_topic(transport, settings):
    settings.WANZO_EVENTS = {**settings.WANZO_EVENTS, "TOPIC_PREFIX": "dev."}

    engine = ConsumerEngine(transport=transport)

    assert "dev.wanzo.users" in engine.topics and len(engine.topics) == 5


@pytest.mark.django_db(transaction=True)
def test_a_database_connection_lost_between_messages_is_replaced(transport):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("an in-memory SQLite database does not survive its connection")
    send(transport, event(subject="usr_before"))
    run(transport, max_messages=1)
    connection.connection.close()  # the server went away while the consumer was idle
    (after,) = send(transport, event(subject="usr_after"))

    stats = run(transport, max_messages=1)

    assert stats[Outcome.HANDLED] == 1
    assert after.id in effects()


def test_a_broken_consumer_client_is_fatal(transport, monkeypatch):
    from wanzo_common.events.transports.mock import MockConsumer

    def broken(self, timeout):
        raise RuntimeError("fenced")

    monkeypatch.setattr(MockConsumer, "poll", broken)

    with pytest.raises(FatalConsumerError, match="fenced"):
        run(transport)


def test_a_zero_idle_timeout_drains_what_is_there_then_stops(transport):
    send(transport, *(event(subject=f"usr_{i}") for i in range(3)))

    stats = run(transport, idle_timeout=0)

    assert stats[Outcome.HANDLED] == 3 and stats.stopped_by == "idle_timeout"


class ScriptedConsumer:
    """A consumer whose polls return a script: messages, ``None`` (nothing to consume), or
    the result of a callable (to act while the engine waits)."""

    def __init__(self, script):
        self.script = list(script)

    def poll(self, timeout):
        step = self.script.pop(0) if self.script else None
        return step() if callable(step) else step

    def store(self, message):
        pass

    def commit(self):
        pass

    def lag(self):
        return {}

    def close(self):
        pass


def scripted(transport, monkeypatch, script):
    monkeypatch.setattr(transport, "consumer", lambda **kwargs: ScriptedConsumer(script))


def numbered(*events_or_messages):
    """Messages with a partition and offset, as a consumer hands them out."""
    result = []
    for offset, item in enumerate(events_or_messages):
        message = item.to_message() if isinstance(item, Event) else item
        result.append(dataclasses.replace(message, partition=0, offset=offset))
    return result


def test_connections_are_checked_first_after_idle_and_after_errors_not_per_message(
    transport, monkeypatch
):
    from wanzo_common.events import connections

    calls = []
    monkeypatch.setattr(connections, "CHECK_INTERVAL", 3600.0)  # no periodic check in this run
    monkeypatch.setattr(connections, "close_old_connections", lambda: calls.append("check"))
    local = HandlerRegistry()
    local.register("user.created", lambda e: calls.append(e.subject))
    poison = Message(topic=TOPIC, value=b"not json", key=b"k",
                     headers=tuple((k, v.encode()) for k, v in valid_headers().items()))  # fmt: skip
    one, two, three, bad, four = numbered(
        event(subject="u1"), event(subject="u2"), event(subject="u3"), poison, event(subject="u4")
    )
    # The first None ends a batch; the second is a poll that found nothing: idle.
    scripted(transport, monkeypatch, [one, two, None, None, three, bad, four])
    engine = ConsumerEngine(group="unit", topics=[TOPIC], transport=transport, handlers=local)

    stats = engine.run(max_messages=5, poll_interval=0.01)

    assert stats[Outcome.HANDLED] == 4 and stats[Outcome.DEAD_LETTERED] == 1
    # first message; none before the busy second; after the idle poll; after the dead letter
    # (at once, and again before the next message)
    assert calls == ["check", "u1", "u2", "check", "u3", "check", "check", "u4"]


def test_connections_are_checked_again_once_the_interval_has_passed(transport, monkeypatch):
    from wanzo_common.events import connections

    calls = []
    monkeypatch.setattr(connections, "CHECK_INTERVAL", 0.0)
    monkeypatch.setattr(connections, "close_old_connections", lambda: calls.append("check"))
    local = HandlerRegistry()
    local.register("user.created", lambda e: calls.append(e.subject))
    scripted(transport, monkeypatch, numbered(event(subject="u1"), event(subject="u2")))
    # One message per batch: a check runs before a batch's transaction, never inside one.
    engine = ConsumerEngine(
        group="unit", topics=[TOPIC], transport=transport, handlers=local, batch_size=1
    )

    engine.run(max_messages=2, poll_interval=0.01)

    assert calls == ["check", "u1", "check", "u2"]


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_while_idle_is_replaced_before_the_next_message(
    transport, monkeypatch, waits
):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the server must be able to drop the connection")
    backends = []

    def record_backend(e: Event) -> None:
        backends.append(connection.connection.info.backend_pid)
        Effect.objects.create(group="unit", event_id=e.id, type=e.type, subject=e.subject)

    def server_drops_the_connection():
        other = connection.copy()
        with other.cursor() as cursor:  # as an administrator or a failover would
            cursor.execute("SELECT pg_terminate_backend(%s)", [backends[-1]])
        other.close()
        return None  # the poll found nothing meanwhile

    local = HandlerRegistry()
    local.register("user.created", record_backend)
    first, second = numbered(event(subject="usr_before"), event(subject="usr_after"))
    scripted(transport, monkeypatch, [first, None, server_drops_the_connection, second])
    engine = ConsumerEngine(group="unit", topics=[TOPIC], transport=transport, handlers=local)

    stats = engine.run(max_messages=2, poll_interval=0.01)

    assert stats[Outcome.HANDLED] == 2
    assert waits == []  # handled at the first attempt: no handler met the dead connection
    assert len(backends) == 2 and backends[0] != backends[1]
    assert set(Effect.objects.values_list("subject", flat=True)) == {"usr_before", "usr_after"}


def test_every_poll_moves_the_progress_gauge(transport):
    metric = "kafka_consumer_last_progress_timestamp_seconds"
    before = metric_value(metric)
    run(transport, idle_timeout=0.1)  # polls nothing: an idle consumer still makes progress
    after_idle = metric_value(metric)
    assert after_idle > before
    send(transport, event())
    run(transport, max_messages=1)
    assert metric_value(metric) > after_idle


def test_dead_letter_series_exist_at_zero_from_the_start(transport):
    from prometheus_client import REGISTRY

    topic = "wanzo.fresh-topic"
    engine = ConsumerEngine(group="unit", topics=[topic], transport=transport)
    engine.run(poll_interval=0.05, idle_timeout=0.05)
    for reason in ("schema", "not_json", "unknown_type", "envelope", "rejected", "max_attempts"):
        labels = {"topic": topic, "reason": reason}
        # Exported at 0 before any dead letter: the first one is an increase() of 1.
        assert REGISTRY.get_sample_value("kafka_dead_letters_total", labels) == 0.0, reason
