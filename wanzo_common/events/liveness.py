"""Liveness probe of a consumer or relay process: has it made progress lately?

A consumer stuck inside a handler, or a relay hung in a send, keeps its TCP port and its metrics
port open: a port probe passes while nothing moves. Each process exports the Unix time of its
last step (``kafka_consumer_last_progress_timestamp_seconds``, set at every poll and offset
store; ``events_relay_last_progress_timestamp_seconds``, set after every round); this probe
reads it from the process's own /metrics and fails when it is older than ``--max-age``::

    python -m wanzo_common.events.liveness consumer            # port: EVENTS_PROMETHEUS_PORT
    python -m wanzo_common.events.liveness worker              # a Celery worker hosting one
    python -m wanzo_common.events.liveness relay --max-age 120 # port: RELAY_PROMETHEUS_PORT
    python -m wanzo_common.events.liveness beat                # its schedule file's age

Celery beat has no metrics port: it writes its schedule file at least every 3 minutes while it
schedules (celery's ``sync_every``; the relay task is due every second), so ``beat`` checks that
file's age instead (``CELERY_BEAT_SCHEDULE_FILE``, as the entrypoint passes it; any suffix the
dbm backend adds is accepted), 300 s by default.

Exit status 0 when fresh, 1 when stale or never set, 2 when /metrics does not answer. It
imports no Django (a probe runs every few seconds) and sends the exporter's credentials
(``PROMETHEUS_BEARER_TOKEN`` or ``PROMETHEUS_BASIC_AUTH``) when set. The kubelet's
``exec`` probe and the image's HEALTHCHECK both call it; the alert on the same gauge
(KafkaConsumerStuck) fires earlier than the probe restarts, so the page comes with a reason.
"""

from __future__ import annotations

import argparse
import base64
import glob
import os
import sys
import time
import urllib.request
from collections.abc import Sequence

from prometheus_client.parser import text_string_to_metric_families

# kind -> (gauge, environment variable of the port, default --max-age in seconds)
KINDS = {
    "consumer": ("kafka_consumer_last_progress_timestamp_seconds", "EVENTS_PROMETHEUS_PORT", 300),
    "worker": ("kafka_consumer_last_progress_timestamp_seconds", "CELERY_PROMETHEUS_PORT", 300),
    # A round lasts at most SEND_TIMEOUT (10 s) plus the longest pause between rounds (30 s).
    "relay": ("events_relay_last_progress_timestamp_seconds", "RELAY_PROMETHEUS_PORT", 120),
}


def last_progress(text: str, gauge: str) -> float | None:
    """The newest value of ``gauge`` in an exposition text (None if absent)."""
    values = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == gauge
    ]
    return max(values) if values else None


def scrape(url: str, *, timeout: float = 3.0) -> str:
    request = urllib.request.Request(url)
    if token := os.environ.get("PROMETHEUS_BEARER_TOKEN"):
        request.add_header("Authorization", f"Bearer {token}")
    elif basic := os.environ.get("PROMETHEUS_BASIC_AUTH"):
        request.add_header("Authorization", "Basic " + base64.b64encode(basic.encode()).decode())
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=timeout) as response:
        return response.read().decode()


def check(
    kind: str, *, port: int, max_age: float, host: str = "127.0.0.1", now: float | None = None
) -> tuple[int, str]:
    """(exit status, one line saying why) for the process of ``kind`` on ``port``."""
    gauge = KINDS[kind][0]
    try:
        text = scrape(f"http://{host}:{port}/metrics")
    except OSError as exc:
        return 2, f"{kind}: /metrics on port {port} does not answer: {type(exc).__name__}"
    last = last_progress(text, gauge)
    if last is None:
        return 1, f"{kind}: {gauge} not set yet"
    age = (time.time() if now is None else now) - last
    if age > max_age:
        return 1, f"{kind}: no progress for {age:.0f}s (limit {max_age:.0f}s)"
    return 0, f"{kind}: last progress {age:.1f}s ago"


BEAT_MAX_AGE = 300


def beat_schedule_file() -> str:
    default = os.path.join(os.environ.get("TMPDIR") or "/tmp", "celerybeat-schedule")
    return os.environ.get("CELERY_BEAT_SCHEDULE_FILE") or default


def check_beat(*, schedule: str, max_age: float, now: float | None = None) -> tuple[int, str]:
    """(exit status, why) from the age of beat's schedule file (``schedule*``)."""
    found = glob.glob(glob.escape(schedule) + "*")
    if not found:
        return 1, f"beat: no schedule file {schedule}"
    age = (time.time() if now is None else now) - max(os.path.getmtime(path) for path in found)
    if age > max_age:
        return 1, f"beat: schedule not written for {age:.0f}s (limit {max_age:.0f}s)"
    return 0, f"beat: schedule written {age:.0f}s ago"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wanzo_common.events.liveness")
    parser.add_argument("kind", choices=sorted([*KINDS, "beat"]))
    parser.add_argument("--schedule", help="beat: the schedule file (CELERY_BEAT_SCHEDULE_FILE)")
    parser.add_argument("--port", type=int, help="default: the kind's *_PROMETHEUS_PORT")
    parser.add_argument("--max-age", type=float, help="seconds (consumer 300, relay 120)")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    if args.kind == "beat":
        status, line = check_beat(
            schedule=args.schedule or beat_schedule_file(), max_age=args.max_age or BEAT_MAX_AGE
        )
        print(line, file=sys.stderr if status else sys.stdout)
        return status
    _, variable, default_age = KINDS[args.kind]
    port = args.port or int(os.environ.get(variable) or 0)
    if not port:
        parser.error(f"--port or {variable} is required")
    status, line = check(args.kind, port=port, max_age=args.max_age or default_age, host=args.host)
    print(line, file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
