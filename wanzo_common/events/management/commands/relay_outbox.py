"""``manage.py relay_outbox``: send committed outbox events to the broker.

Runs until SIGTERM/SIGINT (finishing the batch in hand), or one drain with ``--once``. A broker
or database outage is logged and retried with growing pauses: the relay never gives up, because
the events wait safely in the table. Several relays may run at once on PostgreSQL.

With ``--metrics-port`` (default ``RELAY_METRICS_PORT``, env ``RELAY_PROMETHEUS_PORT``) it serves
its own /metrics: the outbox gauges after every round, broker outage or not, whether the broker
acknowledged (``events_broker_up``), and the time of its last round, which its liveness probe
reads (``python -m wanzo_common.events.liveness relay``).
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from wanzo_common.events import metrics
from wanzo_common.events.conf import app_settings
from wanzo_common.events.relay import (
    check_relay_transport,
    prune_outbox,
    relay_pending,
    update_outbox_gauges,
)
from wanzo_common.events.transports import DeliveryError, get_transport

logger = logging.getLogger(__name__)
PRUNE_EVERY = 3600.0
MAX_PAUSE = 30.0


class Command(BaseCommand):
    help = "Relay pending outbox events to the broker (until SIGTERM, or once with --once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Drain the outbox once and exit.")
        parser.add_argument("--batch", type=int, default=None, help="Rows per transaction.")
        parser.add_argument(
            "--interval", type=float, default=None, help="Seconds between polls when idle."
        )
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--metrics-port",
            type=int,
            help="Serve /metrics on this port (default RELAY_METRICS_PORT; 0: off).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch = options["batch"] or app_settings.RELAY_BATCH
        if batch < 1:
            raise CommandError("--batch must be positive")
        try:
            check_relay_transport(transport=get_transport())
        except ImproperlyConfigured as exc:  # the mock: it would mark rows sent and lose them
            raise CommandError(str(exc)) from exc
        if options["once"]:
            try:
                sent = relay_pending(batch=batch, using=options["database"])
            except DeliveryError as exc:
                raise CommandError(f"broker did not acknowledge: {exc}") from exc
            update_outbox_gauges(using=options["database"])
            self.stdout.write(f"relayed {sent} event(s)")
            return
        interval = options["interval"] or app_settings.RELAY_INTERVAL
        _serve_metrics(options["metrics_port"])
        stop = threading.Event()
        _on_signals(stop)
        # What is loaded lives as long as the process: no full collection needs to walk it.
        gc.freeze()
        try:
            sent = run_forever(stop=stop, batch=batch, interval=interval, using=options["database"])
        finally:
            gc.unfreeze()  # called in-process (tests, call_command): leave the GC as found
        self.stdout.write(f"relayed {sent} event(s); stopped")


def _serve_metrics(port: int | None) -> None:
    port = app_settings.RELAY_METRICS_PORT if port is None else port
    if port:
        from wanzo_common.monitoring.exporter import start_exporter

        start_exporter(port=port, label="relay metrics exporter")


def _on_signals(stop: threading.Event) -> None:
    def request_stop(signum: int, frame: Any) -> None:
        logger.info("outbox relay: signal %s, stopping after the current batch", signum)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)


def run_forever(*, stop: threading.Event, batch: int, interval: float, using: str) -> int:
    """The relay loop: publish gauges, drain, wait; pauses grow while the broker is down.

    Each round starts with the outbox gauges' one query, and relays only when it saw pending
    rows: an idle relay costs one statement a round, not a transaction of three. The gauges
    are set every round, failed ones too: during a broker outage the oldest row's age must keep
    growing for EventsOutboxBacklogOld to fire. The progress gauge moves once per round whatever
    happened: only a relay hung inside a call stops it.
    """
    total, pause, last_prune = 0, interval, 0.0
    while not stop.is_set():
        pending = _publish_gauges(using)
        try:
            sent = relay_pending(batch=batch, using=using) if pending != 0 else 0
            if sent:  # acknowledged; an empty round never reached the broker and proves nothing
                metrics.EVENTS_BROKER_UP.set(1)
            total += sent
            pause = interval
            if time.monotonic() - last_prune >= PRUNE_EVERY:
                last_prune = time.monotonic()
                prune_outbox(using=using)
        except (DeliveryError, DatabaseError) as exc:
            logger.warning("outbox relay: %s, retrying in %.1fs", type(exc).__name__, pause)
            if isinstance(exc, DeliveryError):
                metrics.EVENTS_BROKER_UP.set(0)
            else:
                close_old_connections()  # drop a broken connection; the next query reconnects
            pause = min(MAX_PAUSE, pause * 2)
        stop.wait(pause)
    return total


def _publish_gauges(using: str) -> int | None:
    """Set the outbox gauges and the progress gauge; the pending rows (None: unknown)."""
    metrics.EVENTS_RELAY_LAST_PROGRESS.set(time.time())
    try:
        pending, _ = update_outbox_gauges(using=using)
    except DatabaseError as exc:
        logger.debug("outbox gauges unavailable: %s", type(exc).__name__)
        close_old_connections()
        return None
    return pending
