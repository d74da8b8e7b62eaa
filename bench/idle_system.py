"""What the whole system burns doing nothing: CPU per second of each process class, idle.

    export PGPASSWORD=... DATABASE_URL='postgres://postgres@127.0.0.1:5432/perf_{service}'
    .venv/bin/python bench/idle_system.py [--seconds 20]

Starts the four services as ``api_load.py`` does (``manage_all.py up --server gunicorn`` in a
throwaway copy of the repo, fresh databases, the dev broker, consumers and relays), waits for
them to settle, then reads every thread's CPU time (utime + stime, /proc/<pid>/task) before
and after ``--seconds`` of no traffic. Main threads and other threads are shown apart: a Kafka
client's polling lives in librdkafka's threads, a relay's rounds in its main thread. Every
figure here is paid again by every request of a loaded system, divided by its rate.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import _proc

from wanzo_common.devserver import sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before measuring")
    args = parser.parse_args()
    if "{service}" not in os.environ.get("DATABASE_URL", ""):
        print("idle_system needs DATABASE_URL with {service} (PostgreSQL)", file=sys.stderr)
        raise SystemExit(2)
    with tempfile.TemporaryDirectory(prefix="idle-system-") as tmp:
        system = sandbox.start(Path(tmp), workers=4, events=True, label="bench_idle")
        try:
            time.sleep(args.settle)
            before = _threads(system.proc.pid)
            time.sleep(args.seconds)
            after = _threads(system.proc.pid)
        finally:
            sandbox.stop(system)
    spent: Counter = Counter()
    for key, seconds in after.items():
        spent[key[0]] += seconds - before.get(key, seconds)
    print(f"idle for {args.seconds:g} s: ms of CPU per second by process class and thread kind")
    for kind, seconds in spent.most_common():
        if seconds <= 0:
            break
        print(f"  {kind:40} {seconds * 1e3 / args.seconds:7.1f}")
    print(f"  {'system':40} {sum(spent.values()) * 1e3 / args.seconds:7.1f}")


def _threads(root: int) -> dict[tuple[str, int], float]:
    """CPU seconds of every thread of ``root``'s processes, keyed by (class and kind, tid)."""
    found = {}
    for pid in _proc.children(root):
        kind = _proc.class_of(pid)
        for task in Path(f"/proc/{pid}/task").glob("*"):
            seconds = _proc.cpu_seconds(pid, thread=int(task.name))
            if seconds is not None:
                role = "main" if int(task.name) == pid else "other threads"
                found[(f"{kind} ({role})", int(task.name))] = seconds
    return found


if __name__ == "__main__":
    main()
