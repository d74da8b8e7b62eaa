"""``manage.py events tail`` and ``events dlq list|replay`` (mock transport)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.testapp.models import Effect
from wanzo_common.events.consumer import ConsumerEngine
from wanzo_common.events.envelope import Event
from wanzo_common.events.transports import Message
from wanzo_common.events.types import get_type

TOPIC = "wanzo.users"


@pytest.fixture
def events_settings():
    return {"CONSUMER_GROUP_ID": "ops", "MAX_ATTEMPTS": 1}


def events_command(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("events", *args, stdout=out)
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


def test_tail_stops_after_a_quiet_period(transport):
    assert events_command("tail", TOPIC, "--timeout", "0.2") == []


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
