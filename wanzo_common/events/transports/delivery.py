"""Delivery reports of messages sent one at a time: counted, and logged when they fail.

``Transport.send_async`` hands each message to the producer with a callback that librdkafka
calls from ``poll()`` once the broker acknowledged it (or gave up). A closure per message and a
``labels()`` lookup per report cost more than librdkafka's own work, so there is one callback
per (topic, event type), made on first use, holding its two counter children.
"""

from __future__ import annotations

import logging
from typing import Any

from wanzo_common.events.metrics import published_counter, type_label

__all__ = ["raw_type", "reporter"]

logger = logging.getLogger("wanzo_common.events.transports.kafka")


def raw_type(headers: tuple[tuple[str, bytes], ...]) -> bytes | None:
    """The ``ce_type`` header's bytes: the first one (our envelope writes it once)."""
    for name, value in headers:
        if name == "ce_type":
            return value
    return None


# (topic, raw ce_type) -> the delivery callback counting that kind of message.
_reporters: dict[tuple[str, bytes | None], Any] = {}


def reporter(topic: str, type_header: bytes | None) -> Any:
    """One delivery callback per (topic, type), holding its two counter children.

    librdkafka calls it from ``poll()`` with the delivered message; only a failure needs to
    look at that message (its ``ce_id``, for the log line).
    """
    found = _reporters.get((topic, type_header))
    if found is not None:
        return found
    type_name = type_label(type_header)
    sent = published_counter(topic, type_name, "sent")
    failed = published_counter(topic, type_name, "failed")

    def report(err: Any, msg: Any) -> None:
        if err is None:
            sent.inc()
            return
        failed.inc()
        logger.error("event not delivered: %s id=%s topic=%s: %s",
                     type_name, _event_id(msg), topic, err.str())  # fmt: skip

    _reporters[(topic, type_header)] = report
    return report


def _event_id(msg: Any) -> str | None:
    for name, value in msg.headers() or ():
        if name == "ce_id" and value is not None:
            return value.decode(errors="replace")
    return None
