"""Batches (mock transport): one transaction per batch, a savepoint per message, failures apart.

``transaction=True`` where it matters: ``on_commit`` callbacks only run when a real transaction
commits, and the order of handlers and callbacks shows where each transaction ended.
"""

from __future__ import annotations

import pytest
from django.db import OperationalError, transaction

from tests.testapp.models import Effect
from wanzo_common.events.consumer import ConsumerEngine, Outcome
from wanzo_common.events.dispatch import Dispatcher
from wanzo_common.events.envelope import Event
from wanzo_common.events.models import InboxEvent, InboxQuerySet
from wanzo_common.events.registry import HandlerRegistry, RejectEvent
from wanzo_common.events.types import get_type

pytestmark = pytest.mark.django_db(transaction=True)

TOPIC = "wanzo.users"


@pytest.fixture
def events_settings():
    return {"CONSUMER_GROUP_ID": "batch", "MAX_ATTEMPTS": 2, "BATCH_SIZE": 10}


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(Dispatcher, "wait", lambda self, delay: False)


def send(transport, *subjects: str) -> list[Event]:
    """One ``user.created`` per subject, all with one key: one partition, in this order."""
    events = [
        Event.create("user.created", {**get_type("user.created").example, "userId": s},
                     source="t", subject="same-key")
        for s in subjects
    ]  # fmt: skip
    transport.send([event.to_message() for event in events])
    return events


class Journal:
    """Handlers that log their runs and their on_commit callbacks in one list."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.registry = HandlerRegistry()
        self.registry.register("user.created", self.handle)

    def handle(self, event: Event) -> None:
        name = event.data["userId"]
        self.log.append(name)
        Effect.objects.create(group="batch", event_id=event.id, type=event.type, subject=name)
        transaction.on_commit(lambda: self.log.append(f"commit {name}"))
        if name.startswith("fail"):
            raise RuntimeError("handler failure")
        if name.startswith("reject"):
            raise RejectEvent("never")


def run(transport, journal: Journal, **kwargs) -> object:
    engine = ConsumerEngine(group="batch", topics=[TOPIC], transport=transport,
                            handlers=journal.registry, batch_size=kwargs.pop("batch_size", None))  # fmt: skip
    return engine.run(idle_timeout=0.2, poll_interval=0.05, **kwargs)


def applied() -> list[str]:
    return sorted(Effect.objects.values_list("subject", flat=True))


def test_a_batch_is_one_transaction(transport):
    journal = Journal()
    send(transport, "a", "b", "c")

    stats = run(transport, journal)

    assert stats[Outcome.HANDLED] == 3
    assert journal.log == ["a", "b", "c", "commit a", "commit b", "commit c"]
    assert InboxEvent.objects.filter(group="batch").count() == 3


def test_batches_hold_at_most_the_batch_size(transport):
    journal = Journal()
    send(transport, "a", "b", "c", "d", "e")

    run(transport, journal, batch_size=2)

    assert journal.log == ["a", "b", "commit a", "commit b", "c", "d", "commit c", "commit d",
                           "e", "commit e"]  # fmt: skip


def test_a_failing_message_is_rolled_back_alone_and_order_holds(transport):
    journal = Journal()
    events = send(transport, "a", "fail-1", "b")

    stats = run(transport, journal)

    assert (stats[Outcome.HANDLED], stats[Outcome.DEAD_LETTERED]) == (2, 1)
    # The failure rolls the batch back; "a" is applied again and commits before the failing
    # message is retried on its own; "b" waits for it. "a" has one effect (one commit).
    assert journal.log == ["a", "fail-1", "a", "commit a", "fail-1", "b", "commit b"]
    assert applied() == ["a", "b"]
    handled = set(InboxEvent.objects.values_list("event_id", flat=True))
    assert handled == {events[0].id, events[2].id}  # no row for the dead-lettered one
    assert run(transport, journal).messages == 0


def test_a_rejected_message_in_a_batch_is_dead_lettered_without_retry(transport):
    journal = Journal()
    send(transport, "a", "reject-1", "b")

    stats = run(transport, journal)

    assert (stats[Outcome.HANDLED], stats[Outcome.DEAD_LETTERED]) == (2, 1)
    assert journal.log == ["a", "reject-1", "a", "commit a", "b", "commit b"]


def test_a_batch_failing_as_a_whole_is_handled_one_message_at_a_time(transport, monkeypatch):
    journal = Journal()
    send(transport, "a", "b", "c")
    original = InboxQuerySet.claim_many
    refused = []

    def refuse_batches(self, *, group, events, using="default"):
        if len(events) > 1:  # as a commit refused by a deferred constraint would, once
            refused.append(len(events))
            raise OperationalError("could not serialize access")
        return original(self, group=group, events=events, using=using)

    monkeypatch.setattr(InboxQuerySet, "claim_many", refuse_batches)

    stats = run(transport, journal)

    assert refused == [3] and stats[Outcome.HANDLED] == 3
    assert journal.log == ["a", "commit a", "b", "commit b", "c", "commit c"]


def test_a_stop_mid_batch_commits_what_was_applied_and_releases_the_rest(transport):
    journal = Journal()
    events = send(transport, "a", "b", "c")
    engine = ConsumerEngine(group="batch", topics=[TOPIC], transport=transport,
                            handlers=journal.registry)  # fmt: skip
    journal.registry.register("user.created", lambda event: engine.stop())

    stats = engine.run(poll_interval=0.05)

    assert stats.stopped_by == "stop" and stats[Outcome.HANDLED] == 1
    assert list(InboxEvent.objects.values_list("event_id", flat=True)) == [events[0].id]
    journal.registry.clear()
    journal.registry.register("user.created", journal.handle)
    assert run(transport, journal)[Outcome.HANDLED] == 2
    assert applied() == ["a", "b", "c"]


def test_an_on_commit_callback_that_fails_after_the_commit_keeps_the_batch(transport, caplog):
    journal = Journal()
    send(transport, "a", "b")

    def boom(event: Event) -> None:
        def fail() -> None:
            raise ConnectionError("celery broker down")

        transaction.on_commit(fail)

    journal.registry.register("user.created", boom)

    stats = run(transport, journal)

    assert stats[Outcome.HANDLED] == 2 and applied() == ["a", "b"]
    assert "on_commit callback failed after the commit: ConnectionError" in caplog.text
    assert run(transport, journal).messages == 0


class BatchJournal(Journal):
    """A batch handler for ``user.created``; ``user.updated`` stays one event at a time."""

    def __init__(self) -> None:
        self.log = []
        self.calls: list[list[str]] = []
        self.registry = HandlerRegistry()
        self.registry.register("user.created", self.handle_many, batch=True)
        self.registry.register("user.updated", self.handle)

    def handle_many(self, events: list[Event]) -> None:
        self.calls.append([event.data["userId"] for event in events])
        for event in events:
            self.handle(event)


def send_types(transport, *pairs: tuple[str, str]) -> list[Event]:
    events = [
        Event.create(type_name, {**get_type(type_name).example, "userId": subject},
                     source="t", subject="same-key")
        for type_name, subject in pairs
    ]  # fmt: skip
    transport.send([event.to_message() for event in events])
    return events


def test_a_batch_handler_gets_each_run_of_its_type_in_one_call_and_order_holds(transport):
    journal = BatchJournal()
    send_types(transport, ("user.created", "a"), ("user.created", "b"),
               ("user.updated", "u"), ("user.created", "c"))  # fmt: skip

    stats = run(transport, journal)

    assert stats[Outcome.HANDLED] == 4
    assert journal.calls == [["a", "b"], ["c"]]  # the update in between splits the runs
    assert journal.log == ["a", "b", "u", "c", "commit a", "commit b", "commit u", "commit c"]


def test_a_batch_handler_never_sees_a_duplicate(transport):
    journal = BatchJournal()
    (first,) = send(transport, "a")
    transport.send([first.to_message()])  # redelivered in the same batch
    send(transport, "b")

    stats = run(transport, journal)

    assert (stats[Outcome.HANDLED], stats[Outcome.DUPLICATE]) == (2, 1)
    assert journal.calls == [["a"], ["b"]] and applied() == ["a", "b"]  # a duplicate ends a run


def test_a_batch_handler_failing_for_one_event_applies_the_others_once(transport):
    journal = BatchJournal()
    events = send(transport, "a", "reject-1", "b")

    stats = run(transport, journal)

    # The run fails as a whole: its first message goes alone and commits, the rest is a run
    # again, which fails, so its first goes alone: rejected on that attempt, dead-lettered.
    assert (stats[Outcome.HANDLED], stats[Outcome.DEAD_LETTERED]) == (2, 1)
    assert journal.calls == [["a", "reject-1", "b"], ["a"], ["reject-1", "b"], ["reject-1"], ["b"]]
    assert applied() == ["a", "b"]
    handled = set(InboxEvent.objects.values_list("event_id", flat=True))
    assert handled == {events[0].id, events[2].id}
