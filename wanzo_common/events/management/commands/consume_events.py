"""``manage.py consume_events``: run the consumer engine in the foreground.

A thin adapter (as openedx's ``consume_events``): it parses options, installs SIGTERM/SIGINT
handlers that ask the engine to stop after the message in hand, optionally serves metrics, and
exits non-zero when the engine hits a fatal error so that the supervisor restarts it.
Bounded runs (``--max-messages``, ``--timeout``, ``--idle-timeout``) serve scripts and tests.
"""

from __future__ import annotations

import gc
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from wanzo_common.events.consumer import ConsumerEngine, FatalConsumerError, Outcome, RunStats

logger = logging.getLogger(__name__)

FATAL_EXIT_CODE = 2


class Command(BaseCommand):
    help = "Consume events and run this service's handlers (at-least-once, idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--group", help="Consumer group (default WANZO_EVENTS CONSUMER_GROUP_ID)."
        )
        parser.add_argument(
            "--topics",
            nargs="+",
            help="Topics, space or comma separated (default: CONSUME_TOPICS "
            "or every family topic).",
        )
        parser.add_argument("--max-messages", type=int, help="Stop after this many messages.")
        parser.add_argument("--timeout", type=float, help="Stop after this many seconds.")
        parser.add_argument(
            "--idle-timeout", type=float, help="Stop when no message arrived for this many seconds."
        )
        parser.add_argument(
            "--metrics-port",
            type=int,
            help="Serve /metrics on this port (default METRICS_PORT; 0: off).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._serve_metrics(options["metrics_port"])
        try:
            engine = ConsumerEngine(group=options["group"], topics=_split(options["topics"]))
        except (ImproperlyConfigured, ValueError) as exc:
            raise CommandError(str(exc), returncode=FATAL_EXIT_CODE) from exc
        logger.info("consuming %s as group %s", ", ".join(engine.topics), engine.group)
        # What is loaded lives as long as the process: no full collection needs to walk it.
        gc.freeze()
        with _stop_on_signals(engine):
            try:
                stats = engine.run(
                    max_messages=options["max_messages"],
                    timeout=options["timeout"],
                    idle_timeout=options["idle_timeout"],
                )
            except FatalConsumerError as exc:
                raise CommandError(f"consumer stopped: {exc}", returncode=FATAL_EXIT_CODE) from exc
            finally:
                gc.unfreeze()  # called in-process (tests, call_command): leave the GC as found
        self.stdout.write(_summary(stats))

    def _serve_metrics(self, port: int | None) -> None:
        from wanzo_common.events.conf import app_settings

        port = app_settings.METRICS_PORT if port is None else port
        if not port:
            return
        from wanzo_common.monitoring.exporter import start_exporter

        start_exporter(port=port)


@contextmanager
def _stop_on_signals(engine: ConsumerEngine) -> Iterator[None]:
    """SIGTERM/SIGINT: finish the message in hand, commit, leave the group, exit 0."""

    def request_stop(signum: int, frame: Any) -> None:
        logger.info("signal %s: stopping after the current message", signal.Signals(signum).name)
        engine.stop()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _split(topics: list[str] | None) -> list[str] | None:
    if not topics:
        return None
    return [name.strip() for item in topics for name in item.split(",") if name.strip()]


def _summary(stats: RunStats) -> str:
    counts = " ".join(f"{outcome.value}={stats[outcome]}" for outcome in Outcome)
    return f"consumed {stats.messages} message(s): {counts} (stopped by {stats.stopped_by})"
