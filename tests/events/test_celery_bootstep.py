"""The Celery worker bootstep hosting the consumer engine (in-process worker, mock transport).

The worker here runs in a thread with the memory broker; ``test_reliability.py`` runs a real
prefork worker on Redis against the dev broker.
"""

from __future__ import annotations

import threading
import time

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError

from tests.testapp.models import Effect
from wanzo_common.events import celery as events_celery
from wanzo_common.events.celery import ConsumerThread, EventsConsumerStep, install
from wanzo_common.events.consumer import ConsumerEngine, FatalConsumerError
from wanzo_common.events.envelope import Event
from wanzo_common.events.types import get_type

TOPIC = "wanzo.users"


@pytest.fixture
def events_settings():
    return {
        "CONSUMER_GROUP_ID": "celery-unit",
        "CONSUME_TOPICS": [TOPIC],
        "CELERY_CONSUMER": True,
    }


@pytest.fixture
def app():
    app = Celery("events_bootstep_test", broker="memory://", backend="cache+memory://")
    app.conf.task_always_eager = False
    app.conf.broker_transport_options = {"polling_interval": 0.05}
    install(app)
    import tests.testapp.tasks  # noqa: F401  (registers the shared task on this app)

    app.set_current()
    return app


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not _true(predicate):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def _true(predicate) -> bool:
    try:
        return predicate()
    except OperationalError:  # SQLite's shared-cache test database locks whole tables
        return False


def send(transport, type_name: str, count: int) -> list[Event]:
    events = [
        Event.create(type_name, {**get_type(type_name).example, "userId": f"usr_{i}"}, source="t")
        for i in range(count)
    ]
    transport.send([e.to_message() for e in events])
    return events


def test_install_adds_the_step_and_the_worker_option(app):
    assert EventsConsumerStep in app.steps["worker"]
    assert any("--events-consumer" in option.opts for option in app.user_options["worker"])


class FakeWorker:
    steps: list = []


def test_the_step_is_enabled_by_the_option_or_the_setting(settings):
    settings.WANZO_EVENTS = {"CELERY_CONSUMER": False}
    assert not EventsConsumerStep(FakeWorker()).enabled
    assert EventsConsumerStep(FakeWorker(), events_consumer=True).enabled
    settings.WANZO_EVENTS = {"CELERY_CONSUMER": True}
    assert EventsConsumerStep(FakeWorker()).enabled


@pytest.mark.django_db(transaction=True)
def test_a_worker_consumes_hands_work_to_tasks_and_stops_cleanly(app, transport):
    created = send(transport, "user.created", 3)
    deleted = send(transport, "user.deleted", 2)

    with start_worker(app, pool="solo", perform_ping_check=False) as worker:
        (step,) = [s for s in worker.steps if isinstance(s, EventsConsumerStep)]
        thread = step.thread
        wait_for(lambda: Effect.objects.count() == 3 + 2 + 2)

    assert thread is not None and not thread.is_alive()
    assert step.thread is None
    assert set(Effect.objects.filter(note="").values_list("event_id", flat=True)) == {
        e.id for e in created + deleted
    }
    assert set(Effect.objects.filter(note="task").values_list("event_id", flat=True)) == {
        e.id for e in deleted
    }
    assert set(Effect.objects.values_list("group", flat=True)) == {"celery-unit"}
    leftover = ConsumerEngine(topics=[TOPIC], transport=transport).run(idle_timeout=0.2)
    assert leftover.messages == 0  # the worker committed everything before leaving the group


@pytest.mark.django_db(transaction=True)
def test_the_thread_restarts_the_engine_after_a_fatal_error(transport, monkeypatch):
    monkeypatch.setattr(events_celery, "RESTART_DELAY", 0.01)
    real_run = ConsumerEngine.run
    calls: list[int] = []

    def flaky_run(self, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise FatalConsumerError("broker gone")
        return real_run(self, **kwargs)

    monkeypatch.setattr(ConsumerEngine, "run", flaky_run)
    (sent,) = send(transport, "user.created", 1)
    thread = ConsumerThread()
    thread.start()
    try:
        wait_for(lambda: Effect.objects.filter(event_id=sent.id).exists())
    finally:
        thread.stop(timeout=10)

    assert thread.failures == 1 and len(calls) == 2
    assert not thread.is_alive()


def test_stop_before_the_engine_exists_ends_the_thread(transport, monkeypatch):
    gate = threading.Event()
    real_init = ConsumerEngine.__init__

    def slow_init(self, **kwargs):
        gate.wait(5)
        real_init(self, **kwargs)

    monkeypatch.setattr(ConsumerEngine, "__init__", slow_init)
    thread = ConsumerThread()
    thread.start()
    stopper = threading.Thread(target=thread.stop, kwargs={"timeout": 10})
    stopper.start()
    time.sleep(0.05)
    gate.set()
    stopper.join(10)

    assert not thread.is_alive()


def test_a_worker_without_consumer_group_refuses_to_start(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.WANZO_EVENTS = {"TRANSPORT": "mock", "CELERY_CONSUMER": True}
    step = EventsConsumerStep(FakeWorker())

    with pytest.raises(ImproperlyConfigured, match="CONSUMER_GROUP_ID"):
        step.start(FakeWorker())
    assert step.thread is None
