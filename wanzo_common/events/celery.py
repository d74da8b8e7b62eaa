"""Hosting the consumer engine inside a Celery worker, as a worker bootstep.

One engine per worker (not per task), in a thread of the worker's main process. The thread and
its Kafka client are created when the step starts, that is after the worker daemonized and after
the pool forked its children: librdkafka is not fork-safe, and a child never touches the parent's
client (``get_transport()`` is cached per process id). The step starts after the pool so that
handlers can hand slow work to Celery tasks (``transaction.on_commit(lambda: task.delay(...))``),
and stops before it: a warm shutdown finishes the message in hand, commits, leaves the group,
then lets the pool drain. Enabled by ``WANZO_EVENTS["CELERY_CONSUMER"] = True`` or by the worker
option ``--events-consumer``; the group and topics come from the same settings as
``consume_events``, so both hosts handle a stream identically.

``install(app)`` adds the step and the option; ``wanzo_common.celery.make_celery_app`` calls it.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import click
from celery import Celery, bootsteps

# Nothing here imports prometheus_client or Django at import time: this module is imported
# by the Celery app factory before multiprocess metrics are enabled.
if TYPE_CHECKING:
    from wanzo_common.events.consumer import ConsumerEngine

logger = logging.getLogger(__name__)

__all__ = ["ConsumerThread", "EventsConsumerStep", "install"]

RESTART_DELAY = 5.0
STOP_TIMEOUT = 30.0


class ConsumerThread(threading.Thread):
    """Runs the engine until stopped; restarts it after a fatal error instead of dying silently.

    (A ``consume_events`` process exits and its supervisor restarts it; inside a worker nobody
    would, so the thread waits ``RESTART_DELAY`` and starts a fresh engine, whose group position
    redelivers the message that failed.)
    """

    def __init__(
        self,
        *,
        app: Celery | None = None,
        group: str | None = None,
        topics: list[str] | None = None,
    ) -> None:
        super().__init__(name="wanzo-events-consumer", daemon=True)
        self.app = app
        self.group = group
        self.topics = topics
        self.engine: ConsumerEngine | None = None
        self._stopping = threading.Event()
        self.failures = 0

    def run(self) -> None:
        from django.db import connections

        if self.app is not None:
            # Celery's "current app" is per thread: without this, task.delay() in a handler
            # would use Celery's default app (and its default broker), not the worker's.
            self.app.set_current()
        try:
            while not self._stopping.is_set():
                if not self._run_once():
                    self._stopping.wait(RESTART_DELAY)
        finally:
            connections.close_all()  # this thread's connections only

    def _run_once(self) -> bool:
        """One engine's life; False if it ended in an error (to wait before the next)."""
        from wanzo_common.events.consumer import ConsumerEngine, FatalConsumerError

        try:
            self.engine = ConsumerEngine(group=self.group, topics=self.topics)
            if self._stopping.is_set():  # stop() came while the engine was being built
                return True
            stats = self.engine.run()
            logger.info("events consumer stopped after %d message(s)", stats.messages)
            return True
        except FatalConsumerError as exc:
            logger.error("events consumer failed (%s); restarting in %ss", exc, RESTART_DELAY)
        except Exception:  # a bug or a broken configuration must be loud, not kill the worker
            logger.exception("events consumer crashed; restarting in %ss", RESTART_DELAY)
        self.failures += 1
        return False

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        self._stopping.set()  # before reading self.engine: see _run_once
        engine = self.engine
        if engine is not None:
            engine.stop()
        if self.is_alive():
            self.join(timeout)
            if self.is_alive():
                logger.warning("events consumer did not stop within %ss", timeout)


class EventsConsumerStep(bootsteps.StartStopStep):
    """The worker bootstep: starts a :class:`ConsumerThread`, stops it with the worker."""

    label = "wanzo events consumer"
    requires = ("celery.worker.components:Pool",)

    def __init__(self, worker: Any, events_consumer: bool = False, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.enabled = bool(events_consumer) or _enabled_by_settings()
        self.thread: ConsumerThread | None = None

    def start(self, worker: Any) -> None:
        _check_configured()
        self.thread = ConsumerThread(app=worker.app)
        self.thread.start()
        logger.info("events consumer started in the worker")

    def stop(self, worker: Any) -> None:
        if self.thread is not None:
            self.thread.stop()
            self.thread = None

    def terminate(self, worker: Any) -> None:
        self.stop(worker)


def _check_configured() -> None:
    """A worker asked to consume without a group would retry forever: refuse to start instead."""
    from django.core.exceptions import ImproperlyConfigured

    from wanzo_common.events.conf import app_settings

    if not app_settings.CONSUMER_GROUP_ID:
        raise ImproperlyConfigured(
            "the events consumer needs WANZO_EVENTS['CONSUMER_GROUP_ID'] (KAFKA_CONSUMER_GROUP_ID)"
        )


def _enabled_by_settings() -> bool:
    from wanzo_common.events.conf import app_settings

    return bool(app_settings.CELERY_CONSUMER)


def install(app: Celery) -> None:
    """Add the bootstep and the ``--events-consumer`` worker option to ``app`` (once)."""
    if EventsConsumerStep in app.steps["worker"]:
        return
    app.steps["worker"].add(EventsConsumerStep)
    app.user_options["worker"].add(
        click.Option(
            ("--events-consumer",),
            is_flag=True,
            default=False,
            help="Run the events consumer engine in this worker (see wanzo_common.events).",
        )
    )
