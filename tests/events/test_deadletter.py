"""Dead letters: wrapping keeps the original intact; reading back and replaying (mock transport)."""

from __future__ import annotations

import time

import pytest

from wanzo_common.events import deadletter
from wanzo_common.events.transports import Message

ORIGINAL = Message(
    topic="wanzo.users",
    value=b'{"userId": "1"}',
    key=b"1",
    headers=(("ce_id", b"e-1"), ("ce_type", b"user.created")),
    partition=2,
    offset=41,
)


def letter_of(message: Message = ORIGINAL, **kwargs) -> Message:
    fields = {"group": "svc", "reason": "schema", "error": "userId: fails type", "attempts": 0}
    return deadletter.wrap(message, **{**fields, **kwargs})


def test_wrap_keeps_bytes_key_and_headers_and_says_why():
    letter = letter_of()

    assert letter.topic == "svc.dlq"
    assert (letter.value, letter.key) == (ORIGINAL.value, ORIGINAL.key)
    assert letter.headers[:2] == ORIGINAL.headers
    info = deadletter.DeadLetter.from_message(letter)
    assert (info.original_topic, info.original_partition, info.original_offset) == (
        "wanzo.users",
        "2",
        "41",
    )
    assert (info.reason, info.attempts, info.group, info.type, info.id) == (
        "schema",
        "0",
        "svc",
        "user.created",
        "e-1",
    )


def test_a_letter_dead_lettered_again_does_not_stack_headers():
    again = letter_of(letter_of(), reason="max_attempts", attempts=5)

    names = [name for name, _ in again.headers]
    assert names.count("dlq_reason") == 1 and again.header("dlq_reason") == b"max_attempts"


def test_long_errors_are_truncated():
    letter = letter_of(error="x" * 5000)

    assert len(letter.header("dlq_error")) == deadletter.MAX_ERROR_LENGTH


def test_original_of_restores_the_message_for_its_topic():
    restored = deadletter.original_of(letter_of())

    assert restored.topic == "wanzo.users"
    assert (restored.value, restored.key, restored.headers) == (
        ORIGINAL.value,
        ORIGINAL.key,
        ORIGINAL.headers,
    )


def test_original_of_refuses_a_message_that_is_not_a_dead_letter():
    with pytest.raises(ValueError, match="not a dead letter"):
        deadletter.original_of(ORIGINAL)


def test_replay_sends_each_letter_back_once(transport):
    transport.send([letter_of(), letter_of(reason="max_attempts")])

    dry = deadletter.replay(group="svc", transport=transport, idle_timeout=0.2, dry_run=True)
    assert [info.reason for info in dry] == ["schema", "max_attempts"]
    assert not [m for m in transport.outbox if m.topic == "wanzo.users"]

    first = deadletter.replay(group="svc", transport=transport, idle_timeout=0.2)
    second = deadletter.replay(group="svc", transport=transport, idle_timeout=0.2)

    assert len(first) == 2 and second == []
    replayed = [m for m in transport.outbox if m.topic == "wanzo.users"]
    assert [m.headers for m in replayed] == [ORIGINAL.headers, ORIGINAL.headers]


def test_read_stops_at_max_messages(transport):
    transport.send([letter_of() for _ in range(3)])
    consumer = transport.consumer(group_id="reader", topics=["svc.dlq"])

    assert len(list(deadletter.read(consumer, max_messages=2, idle_timeout=0.2))) == 2
    consumer.close()


class SlowToJoin:
    """A consumer whose group join takes ``join`` seconds, then has ``messages`` to give."""

    def __init__(self, messages, *, join: float, assigned: bool = True) -> None:
        self.messages = list(messages)
        self.join = join
        self.assigned = assigned

    def wait_for_assignment(self, timeout):
        time.sleep(min(self.join, timeout))
        return self.assigned and self.join <= timeout

    def poll(self, timeout):
        return self.messages.pop(0) if self.messages else None


def test_the_quiet_period_starts_once_the_consumer_has_its_partitions():
    consumer = SlowToJoin([letter_of(), letter_of()], join=0.3)

    assert len(list(deadletter.read(consumer, idle_timeout=0.1))) == 2


def test_no_assignment_in_time_is_an_error_not_an_empty_result():
    consumer = SlowToJoin([letter_of()], join=5, assigned=False)

    with pytest.raises(deadletter.NotAssigned, match="within 0.2 s"):
        list(deadletter.read(consumer, idle_timeout=0.1, assignment_timeout=0.2))


def test_iter_replay_yields_each_letter_as_it_is_replayed(transport):
    transport.send([letter_of(), letter_of()])
    replays = deadletter.iter_replay(group="svc", transport=transport, idle_timeout=0.2)

    next(replays)
    assert len([m for m in transport.outbox if m.topic == "wanzo.users"]) == 1
    assert len(list(replays)) == 1
