"""``manage.py events tail`` and ``events dlq list|replay``: mock transport, then Kafka."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import uuid
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from tests.integration.conftest import child_env, free_port
from tests.testapp.models import Effect
from wanzo_common.events import deadletter
from wanzo_common.events.consumer import ConsumerEngine
from wanzo_common.events.envelope import Event
from wanzo_common.events.testing import kafka_env, kafka_settings
from wanzo_common.events.transports import DeliveryError, Message, get_transport
from wanzo_common.events.transports.kafka import KafkaConsumer
from wanzo_common.events.transports.kafka_config import consumer_config
from wanzo_common.events.types import get_type

pytest_plugins = ["wanzo_common.events.testing"]

TOPIC = "wanzo.users"


@pytest.fixture
def events_settings():
    return {"CONSUMER_GROUP_ID": "ops", "MAX_ATTEMPTS": 1}


def events_command(*args: str, stderr: io.StringIO | None = None) -> list[str]:
    out = io.StringIO()
    call_command("events", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue().splitlines()


def user_created(subject: str) -> Event:
    return Event.create(
        "user.created", {**get_type("user.created").example, "userId": subject}, source="t"
    )


def test_tail_prints_one_decoded_event_a_line(transport):
    sent = user_created("usr_7")
    transport.send([sent.to_message(), Message(topic=TOPIC, value=b"junk", key=b"usr_7")])

    lines = [
        json.loads(line)
        for line in events_command("tail", "user", "--from-beginning", "--max", "2")
    ]

    first, second = lines
    assert (first["type"], first["id"], first["subject"]) == ("user.created", sent.id, "usr_7")
    assert first["data"]["userId"] == "usr_7" and first["topic"] == TOPIC
    assert second["error"].startswith("envelope") and second["offset"] == 1


def test_tail_without_data_and_without_moving_offsets(transport):
    transport.send([user_created("usr_1").to_message()])

    (line,) = events_command("tail", TOPIC, "--from-beginning", "--max", "1", "--no-data")

    assert "data" not in json.loads(line)
    assert events_command("tail", TOPIC, "--from-beginning", "--max", "1")  # still there


def test_tail_stops_after_a_quiet_period_and_says_so(transport):
    err = io.StringIO()
    assert events_command("tail", TOPIC, "--timeout", "0.2", stderr=err) == []
    assert err.getvalue().strip() == f"tail: 0 message(s) from {TOPIC}; stopped: 0.2 s without a message"


def test_tail_says_it_stopped_at_max(transport):
    transport.send([user_created("usr_1").to_message()])
    err = io.StringIO()
    events_command("tail", TOPIC, "--from-beginning", "--max", "1", stderr=err)
    assert err.getvalue().strip() == f"tail: 1 message(s) from {TOPIC}; stopped: --max 1 reached"


def dead_letter_two(transport) -> list[Event]:
    poison = [user_created("reject-1"), user_created("reject-2")]
    transport.send([e.to_message() for e in poison])
    ConsumerEngine(topics=[TOPIC], transport=transport).run(idle_timeout=0.2, poll_interval=0.05)
    return poison


@pytest.mark.django_db
def test_dlq_list_shows_why_and_where_from(transport):
    poison = dead_letter_two(transport)

    lines = [json.loads(line) for line in events_command("dlq", "list", "--timeout", "0.2")]

    assert [line["id"] for line in lines] == [e.id for e in poison]
    assert {line["reason"] for line in lines} == {"rejected"}
    assert lines[0]["original"].startswith(f"{TOPIC}[")
    assert events_command("dlq", "list", "--timeout", "0.2")  # listing consumes nothing


@pytest.mark.django_db
def test_dlq_list_says_what_it_listed(transport):
    dead_letter_two(transport)
    err = io.StringIO()
    events_command("dlq", "list", "--timeout", "0.2", stderr=err)
    assert err.getvalue().strip() == "listed 2 dead letter(s) of ops (topic ops.dlq)"


def test_dlq_list_of_a_group_without_dead_letters_lists_nothing(transport):
    err = io.StringIO()
    assert events_command("dlq", "list", "--group", "quiet", "--timeout", "0.2", stderr=err) == []
    assert "listed 0 dead letter(s) of quiet" in err.getvalue()


@pytest.mark.parametrize(
    "args", [("dlq", "replay"), ("dlq", "list"), ("dlq", "replay", "--dry-run"), ("tail", TOPIC)]
)
def test_an_unreachable_broker_is_an_error_not_an_empty_result(transport, args):
    transport.set_available(False)
    out = io.StringIO()

    with pytest.raises(CommandError, match="cannot reach the event broker"):
        call_command("events", *args, "--timeout", "0.2", stdout=out, stderr=io.StringIO())
    assert out.getvalue() == ""  # no "replayed 0 dead letter(s)"


@pytest.mark.django_db
def test_a_failed_replay_says_how_many_went_back_first(transport, monkeypatch):
    dead_letter_two(transport)
    send = transport.send
    sent = []

    def send_once(messages, **kwargs):
        if sent:
            raise DeliveryError("broker gone")
        sent.append(messages)
        return send(messages, **kwargs)

    monkeypatch.setattr(transport, "send", send_once)
    with pytest.raises(CommandError, match="replayed 1 dead letter.s. of ops, then: broker gone"):
        events_command("dlq", "replay", "--timeout", "0.2")
    monkeypatch.undo()
    # The one that failed stays in the topic, the replayed one does not come back.
    assert events_command("dlq", "replay", "--timeout", "0.2")[-1] == "replayed 1 dead letter(s) of ops"


@pytest.mark.django_db
def test_dlq_replay_puts_letters_back_once(transport, settings):
    poison = dead_letter_two(transport)

    dry = events_command("dlq", "replay", "--dry-run", "--timeout", "0.2")
    assert dry[-1] == "would replay 2 dead letter(s) of ops"
    replayed = events_command("dlq", "replay", "--timeout", "0.2")
    assert replayed[-1] == "replayed 2 dead letter(s) of ops"
    assert (
        events_command("dlq", "replay", "--timeout", "0.2")[-1]
        == "replayed 0 dead letter(s) of ops"
    )

    # After the fix (here: a handler that accepts them), the replayed events are handled.
    from wanzo_common.events.registry import HandlerRegistry

    fixed = HandlerRegistry()
    fixed.register("user.created", lambda e: Effect.objects.create(group="ops", event_id=e.id))
    stats = ConsumerEngine(topics=[TOPIC], transport=transport, handlers=fixed).run(
        idle_timeout=0.2, poll_interval=0.05
    )
    assert stats.messages == 2
    assert sorted(Effect.objects.values_list("event_id", flat=True)) == sorted(e.id for e in poison)


def test_dlq_needs_a_group(transport, settings):
    settings.WANZO_EVENTS = {"TRANSPORT": "mock"}

    with pytest.raises(CommandError, match="consumer group"):
        events_command("dlq", "list")


# --- on Kafka (the session's dev broker, or KAFKA_BROKERS) ---------------------------------


@pytest.fixture
def kafka(settings, devbroker):
    """The Kafka transport on the session's broker, with topics and groups of this test's own."""
    prefix = f"cli-{uuid.uuid4().hex[:8]}."
    settings.WANZO_EVENTS = kafka_settings(
        devbroker, TOPIC_PREFIX=prefix, CONSUMER_GROUP_ID=prefix + "ops", SOURCE="testsvc"
    )
    return SimpleNamespace(
        address=devbroker, topic=prefix + TOPIC, group=prefix + "ops", transport=get_transport()
    )


def send_letters(kafka, count: int = 2) -> list[Event]:
    events = [user_created(f"dead-{i}") for i in range(count)]
    letters = [
        deadletter.wrap(e.to_message(kafka.topic), group=kafka.group, reason="rejected",
                        error="RejectEvent: no", attempts=1)
        for e in events
    ]  # fmt: skip
    kafka.transport.send(letters)
    return events


def read_back(kafka, count: int) -> list[Message]:
    consumer = kafka.transport.consumer(
        group_id=deadletter.throwaway_group(kafka.topic), topics=[kafka.topic]
    )
    try:
        return list(deadletter.read(consumer, max_messages=count, idle_timeout=10))
    finally:
        consumer.close()


def test_on_kafka_dlq_list_replay_and_tail_do_what_they_say(kafka):
    events = send_letters(kafka)
    err = io.StringIO()

    listed = events_command("dlq", "list", "--timeout", "2", stderr=err)
    assert {json.loads(line)["id"] for line in listed} == {e.id for e in events}
    assert f"listed 2 dead letter(s) of {kafka.group}" in err.getvalue()
    for count in (2, 0):
        replayed = events_command("dlq", "replay", "--timeout", "2")
        assert replayed[-1] == f"replayed {count} dead letter(s) of {kafka.group}"

    assert {Event.from_message(m).id for m in read_back(kafka, 2)} == {e.id for e in events}
    tailed = events_command("tail", kafka.topic, "--from-beginning", "--max", "2", stderr=err)
    assert {json.loads(line)["id"] for line in tailed} == {e.id for e in events}


def test_on_kafka_a_group_join_slower_than_the_quiet_period_still_replays(kafka, settings):
    """Another member of the replay group holds the partitions and stops polling: the tool's
    join waits until that member is dropped (its max.poll.interval.ms, 6 s, a real broker's
    least session timeout), far longer than the tool's --timeout of 1 s, and the tool still
    finds the letters. Classic groups: the dev broker's KIP-848 coordinator never hands a
    departed member's partitions over."""
    settings.WANZO_EVENTS = {**settings.WANZO_EVENTS, "OPTIONS": {
        **settings.WANZO_EVENTS["OPTIONS"], "group.protocol": "classic"}}  # fmt: skip
    transport = get_transport()
    events = send_letters(kafka)
    dlq = deadletter.dlq_topic(kafka.group)
    stalled_options = {**transport.options, "consumer_config": {
        "max.poll.interval.ms": 6000, "session.timeout.ms": 6000,
    }}  # fmt: skip
    stalled = KafkaConsumer(
        consumer_config(transport.common, stalled_options, group_id=f"{dlq}.replay",
                        from_beginning=True),
        [dlq],
    )  # fmt: skip
    try:
        assert stalled.wait_for_assignment(60)
        started = time.monotonic()
        replayed = events_command("dlq", "replay", "--timeout", "1")
        waited = time.monotonic() - started
    finally:
        stalled.consumer.close()

    assert replayed[-1] == f"replayed 2 dead letter(s) of {kafka.group}", (replayed, waited)
    assert {json.loads(line)["id"] for line in replayed[:-1]} == {e.id for e in events}


def test_on_kafka_an_unreachable_broker_exits_non_zero_with_a_clear_message(tmp_path):
    env = child_env(
        DJANGO_SETTINGS_MODULE="tests.settings",
        **kafka_env(f"127.0.0.1:{free_port()}", dev_broker=False),
        KAFKA_CONSUMER_GROUP_ID="ops",
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "events", "dlq", "replay"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert result.returncode != 0
    assert "cannot reach the event broker (127.0.0.1:" in result.stderr
    assert "replayed" not in result.stdout
