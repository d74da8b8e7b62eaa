"""A stand-in for a gunicorn or Celery worker, run by test_multiprocess in its own process.

    PROMETHEUS_MULTIPROC_DIR=<dir> python -m tests.monitoring.mp_worker '<json plan>'

Multiprocess mode is chosen when prometheus_client is first imported, so it can only be tested
in a fresh process. The plan says what the worker records before it exits:
``events`` (counter increment), ``observe`` (histogram values), ``balance`` (mostrecent gauge),
``in_flight`` (livesum gauge increment, never decremented: a worker that died mid-request),
``peak``/``trough``/``total`` (max, min and sum gauges), ``users`` (user pks seen). With
``wait``, it prints its pid and waits for a line on stdin before exiting. With ``fake_pids``
(a first pid and a count), one process plays that many short-lived workers, one after another,
by giving prometheus_client a process identifier it controls.
"""

from __future__ import annotations

import json
import os
import sys


def declare():
    from wanzo_common.monitoring.metrics import counter, gauge, histogram

    return {
        "events": counter("mp_events_total", "Events.", labels=("kind",)),
        "observe": histogram("mp_duration_seconds", "Durations.", buckets=(0.1, 1.0)),
        "balance": gauge("mp_balance", "Balance.", labels=("currency",), mode="mostrecent"),
        "in_flight": gauge("mp_in_flight", "In flight.", mode="livesum"),
        "peak": gauge("mp_peak", "Peak.", mode="max"),
        "trough": gauge("mp_trough", "Trough.", mode="min"),
        "total": gauge("mp_total", "Sum gauge.", mode="sum"),
    }


def record(metrics: dict, plan: dict) -> None:
    from wanzo_common.monitoring.active_users import ACTIVE_USERS

    if "events" in plan:
        metrics["events"].labels("a").inc(plan["events"])
    for value in plan.get("observe", []):
        metrics["observe"].observe(value)
    if "balance" in plan:
        metrics["balance"].labels("XAF").set(plan["balance"])
    if "in_flight" in plan:
        metrics["in_flight"].inc(plan["in_flight"])
    for name in ("peak", "trough", "total"):
        if name in plan:
            metrics[name].set(plan[name])
    for pk in plan.get("users", []):
        ACTIVE_USERS.seen(pk)


def play_many(first: int, count: int, plan: dict) -> None:
    from prometheus_client import values

    current = [first]
    values.ValueClass = values.MultiProcessValue(lambda: current[0])
    metrics = declare()
    for pid in range(first, first + count):
        current[0] = pid  # the next "worker": its values go to files named after this pid
        record(metrics, plan)


def main() -> None:
    plan = json.loads(sys.argv[1])
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR"), "run me in multiprocess mode"
    assert "prometheus_client" not in sys.modules
    if "fake_pids" in plan:
        play_many(*plan["fake_pids"], plan)
        return
    record(declare(), plan)
    print(os.getpid(), flush=True)
    if plan.get("wait"):
        sys.stdin.readline()


if __name__ == "__main__":
    main()
