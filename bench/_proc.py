"""CPU seconds per process class from /proc, machine CPU busy, PostgreSQL's counters.

CPU time (utime + stime) is what a busy machine does not inflate much: a request costs the CPU
it costs whoever else runs. Classes are found from each process's command line and working
directory (``manage_all.py up`` runs every service's processes in ``services/<name>``).
PostgreSQL backends are the ones connected to the given databases (``pg_stat_activity``).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, thread: int | None = None) -> float | None:
    """utime + stime of process ``pid`` (or of its ``thread``), None if it is gone."""
    where = f"/proc/{pid}/task/{thread}/stat" if thread is not None else f"/proc/{pid}/stat"
    try:
        fields = Path(where).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def class_of(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        where = Path(os.readlink(f"/proc/{pid}/cwd")).name
    except OSError:
        return "gone"
    if "manage_all.py" in argv:
        return "launcher"
    for word, kind in (("gunicorn", "gunicorn"), ("consume_events", "consumer"),
                       ("relay_outbox", "relay"), ("celery", "celery")):  # fmt: skip
        if word in argv:
            return f"{kind} {where}"
    if "devbroker" in argv:
        return "broker"
    return "launcher"


def postgres_backends(conn, databases: list[str]) -> list[int]:
    rows = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s) AND pid <> pg_backend_pid()",
        [databases],
    ).fetchall()
    return [pid for (pid,) in rows]


class Snapshot:
    """CPU seconds by class (and machine-wide jiffies) now; ``delta`` against a later one."""

    def __init__(self, *, roots: dict[str, int], pg=None, databases: list[str] = ()) -> None:
        self.cpu: dict[int, tuple[str, float]] = {}
        for label, root in roots.items():
            for pid in children(root):
                seconds = cpu_seconds(pid)
                if seconds is not None:
                    kind = class_of(pid) if label == "system" else label
                    self.cpu[pid] = (kind, seconds)
        if pg is not None:
            for pid in postgres_backends(pg, list(databases)):
                seconds = cpu_seconds(pid)
                if seconds is not None:
                    self.cpu[pid] = ("postgresql backends", seconds)
        self.commits = _commits(pg, databases) if pg is not None else {}
        self.machine = _machine()

    def delta(self, later: Snapshot) -> tuple[Counter, dict[str, int], float]:
        """CPU seconds by class, commits by database, machine CPU busy (0-1) in between."""
        by_class: Counter = Counter()
        for pid, (kind, seconds) in later.cpu.items():
            before = self.cpu.get(pid, (kind, 0.0))[1]  # a new process: its whole life
            by_class[kind] += seconds - before
        commits = {name: later.commits.get(name, 0) - self.commits.get(name, 0)
                   for name in later.commits}  # fmt: skip
        busy_then, total_then = self.machine
        busy_now, total_now = later.machine
        busy = (busy_now - busy_then) / max(1, total_now - total_then)
        return by_class, commits, busy


def _commits(pg, databases) -> dict[str, int]:
    rows = pg.execute(
        "SELECT datname, xact_commit FROM pg_stat_database WHERE datname = ANY(%s)",
        [list(databases)],
    ).fetchall()
    return dict(rows)


def _machine() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)
