"""librdkafka's log lines and error events, through Python logging and a counter.

Left to itself librdkafka prints ``%3|…|FAIL|…`` lines on stderr from its own threads: outside
Python logging (no ``LOG_FORMAT=json``, no levels, no request id), and during a broker outage
about twenty a second, one per reconnection attempt and connection. So every client we create
gets :func:`client_config`:

- ``logger``: :data:`client_logger` (``wanzo_common.events.kafka.client``). confluent-kafka maps
  the syslog levels to Python's (3 ERROR, 4 WARNING, 5-6 INFO, 7 DEBUG) and hands the lines to
  it from ``poll()``/``flush()``, in the polling thread, so handlers and formatters apply.
- ``error_cb``: :func:`record_error` counts each error in ``kafka_client_errors_total`` (by client
  role and librdkafka error name, a bounded set) and logs the ones librdkafka does not already
  log itself (a connection failure is also a ``FAIL`` log line, so ``_TRANSPORT`` is only counted).

:class:`RepeatSummary`, a filter on that logger, lets the first of a run of identical lines
through and then at most one per :data:`REPEAT_INTERVAL` seconds, carrying the count of those it
held back; "identical" ignores numbers (durations, ports, counts), so a reconnection attempt
every second makes one line a minute. Nothing here imports confluent-kafka.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from wanzo_common.events import metrics

__all__ = [
    "LOGGER_NAME",
    "REPEAT_INTERVAL",
    "RepeatSummary",
    "client_config",
    "client_logger",
    "record_error",
]

LOGGER_NAME = "wanzo_common.events.kafka.client"
REPEAT_INTERVAL = 60.0
# Error events librdkafka also writes as a log line (so logging them again would double them).
_ALREADY_LOGGED = frozenset({"_TRANSPORT"})
_NUMBERS = re.compile(r"\d+")
_SUPPRESSED = re.compile(r",? *\d+ identical error\(s\) suppressed")


class RepeatSummary(logging.Filter):
    """Passes the first of identical records, then one per ``interval`` with a held-back count.

    Identity is the level and the message with its numbers blanked. At most ``max_keys``
    shapes are remembered (the oldest forgotten first), so memory stays bounded.
    """

    def __init__(
        self,
        *,
        interval: float = REPEAT_INTERVAL,
        max_keys: int = 512,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.interval = interval
        self.max_keys = max_keys
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[int, str], tuple[float, int]] = {}  # key -> (passed at, held)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        key = (record.levelno, _NUMBERS.sub("#", _SUPPRESSED.sub("", message)))
        now = self.clock()
        with self._lock:
            seen = self._seen.pop(key, None)  # re-inserted below: the dict stays oldest-first
            if seen is not None and now - seen[0] < self.interval:
                self._seen[key] = (seen[0], seen[1] + 1)
                return False
            self._seen[key] = (now, 0)
            if len(self._seen) > self.max_keys:
                del self._seen[next(iter(self._seen))]
        held, since = (seen[1], now - seen[0]) if seen is not None else (0, 0.0)
        if held:
            record.msg = f"{message} (repeated {held} more time(s) in the last {since:.0f} s)"
            record.args = ()
        return True


def _make_logger() -> logging.Logger:
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(f, RepeatSummary) for f in logger.filters):
        logger.addFilter(RepeatSummary())
    return logger


client_logger = _make_logger()


def record_error(error: Any, *, role: str) -> None:
    """librdkafka's ``error_cb``: count the error, and log it unless librdkafka already did.

    ``error`` is a ``confluent_kafka.KafkaError``; most are transient (librdkafka recovers by
    itself), a fatal one makes the client unusable and is logged as an error.
    """
    name = error.name()
    metrics.KAFKA_CLIENT_ERRORS.labels(role=role, error=name).inc()
    if error.fatal():
        client_logger.error("%s client fatal error %s: %s", role, name, error.str())
    elif name not in _ALREADY_LOGGED:
        client_logger.warning("%s client error %s: %s", role, name, error.str())


def client_config(*, role: str) -> dict[str, Any]:
    """The librdkafka keys routing a client's log lines and errors here (``role``: producer,
    consumer or admin)."""
    return {"logger": client_logger, "error_cb": functools.partial(record_error, role=role)}
