"""``active_users``: distinct authenticated users seen in the last ``ACTIVE_USERS_WINDOW`` s.

A sum of per-worker gauges would count a user twice as soon as two workers served them, so each
process records *who* it saw, and the exporter counts the union. In one process that is a dict.
Under gunicorn or Celery (``PROMETHEUS_MULTIPROC_DIR`` set) each process also appends
``<key> <timestamp>`` lines to ``active_users_<pid>.log`` in that directory: only when it sees a
user for the first time or a user's last line is getting old, so the hot path seldom writes. The
exporter reads every file; files of dead processes are folded into one archive file by
``multiprocess.compact``.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

# conf imports only django.conf: this module stays importable before prometheus_client is.
from wanzo_common.monitoring.conf import monitoring_settings

FILE_PREFIX = "active_users_"
FILE_SUFFIX = ".log"


def _window() -> float:
    return float(monitoring_settings.ACTIVE_USERS_WINDOW)


class ActiveUsers:
    def __init__(self) -> None:
        self._seen: dict[object, float] = {}  # user pk -> last time seen (wall clock)
        self._written: dict[object, float] = {}  # user pk -> time last appended to the file
        self._pid: int | None = None
        self._fd: int | None = None
        self._lines = 0  # lines in this process's file; it is rewritten when mostly stale

    def seen(self, pk, *, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self._seen[pk] = now
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if directory and now - self._written.get(pk, 0.0) > _window() / 10:
            self._append(directory, pk, now)

    def _append(self, directory: str, pk, now: float) -> None:
        pid = os.getpid()
        if self._pid != pid:  # first write, or a forked child: never share the parent's file
            self._pid, self._written, self._lines = pid, {}, 0
            self._fd = os.open(self._path(directory), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(self._fd, f"{user_key(pk)} {now:.3f}\n".encode())
        self._written[pk] = now
        self._lines += 1
        if self._lines > 1000 and self._lines > 4 * len(self._seen):
            self._rewrite(directory, now)

    def _path(self, directory: str) -> Path:
        return Path(directory) / f"{FILE_PREFIX}{os.getpid()}{FILE_SUFFIX}"

    def _rewrite(self, directory: str, now: float) -> None:
        """Replace this process's file by its live entries (atomically, for readers)."""
        cutoff = now - _window()
        self._seen = {pk: seen for pk, seen in self._seen.items() if seen >= cutoff}
        path = self._path(directory)
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(f"{user_key(pk)} {seen:.3f}\n" for pk, seen in self._seen.items()))
        os.replace(tmp, path)
        os.close(self._fd)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        self._written = dict(self._seen)
        self._lines = len(self._seen)

    def local_keys(self, *, now: float) -> set[str]:
        cutoff = now - _window()
        return {user_key(pk) for pk, seen in self._seen.items() if seen >= cutoff}

    def reset(self) -> None:
        self._seen.clear()
        self._written.clear()


def user_key(pk) -> str:
    """An opaque key: the files hold no user ids."""
    return hashlib.blake2b(str(pk).encode(), digest_size=8).hexdigest()


def read_entries(paths: Iterable[Path]) -> Iterator[tuple[str, float]]:
    for path in paths:
        try:
            text = path.read_text()
        except FileNotFoundError:
            continue
        for line in text.splitlines():
            key, _, stamp = line.partition(" ")
            try:
                yield key, float(stamp)
            except ValueError:
                continue  # a line cut short by a crash mid-write


def latest(entries: Iterable[tuple[str, float]]) -> dict[str, float]:
    result: dict[str, float] = {}
    for key, stamp in entries:
        if stamp > result.get(key, 0.0):
            result[key] = stamp
    return result


def count_active(directory: str | None, *, now: float | None = None) -> int:
    now = time.time() if now is None else now
    if not directory:
        return len(ACTIVE_USERS.local_keys(now=now))
    paths = Path(directory).glob(f"{FILE_PREFIX}*{FILE_SUFFIX}")
    cutoff = now - _window()
    return sum(1 for stamp in latest(read_entries(paths)).values() if stamp >= cutoff)


class ActiveUsersCollector:
    """Exports ``active_users`` for the whole server (all processes), computed at scrape."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        value = count_active(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        yield GaugeMetricFamily(
            "active_users",
            "Distinct authenticated users who made a request in the last ACTIVE_USERS_WINDOW s.",
            value=value,
        )


ACTIVE_USERS = ActiveUsers()
