"""prometheus_client multiprocess mode, made safe for long-lived servers.

Under gunicorn and Celery every worker writes its metrics to mmap files named after its pid in
``PROMETHEUS_MULTIPROC_DIR``; the exporter sums them at scrape time. Left alone, a server that
recycles workers (``max_requests``) accumulates one set of files per dead worker, and each scrape
reads them all: scrape time grows without bound. Deleting them instead would make counters go
backwards. So files of dead processes are *folded* into one archive file per kind (counters and
histograms added, ``mostrecent`` gauges by timestamp, live gauges dropped) and then removed.
Folding and scraping hold the same file lock, so a scrape never sees a value twice or not at all.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wanzo_common.monitoring import active_users

ENV = "PROMETHEUS_MULTIPROC_DIR"
LOCK_NAME = ".wanzo-metrics.lock"
ARCHIVE = "archive"
PARENT = "wanzo-metrics"  # the parent of the directories default_directory makes
_DB_FILE = re.compile(r"^(?P<prefix>(?:gauge_[a-z]+)|counter|histogram|summary)_(?P<pid>\d+)\.db$")
_ADDITIVE = {"counter", "histogram", "summary", "gauge_sum"}


def directory() -> str | None:
    return os.environ.get(ENV) or None


def prepare_directory(path: str | os.PathLike) -> Path:
    """Create ``path`` without metrics files: a previous run's must not leak into this one.

    Only our files are removed, so pointing the variable at a shared directory is harmless.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for child in path.iterdir():
        name = child.name
        ours = _DB_FILE.match(name) or name.startswith(active_users.FILE_PREFIX) or name == LOCK_NAME
        if ours or (name.endswith("_archive.db")):
            child.unlink(missing_ok=True)
    return path


def enable(path: str | os.PathLike) -> Path:
    """Point prometheus_client at ``path``. Call before prometheus_client is first imported."""
    if "prometheus_client" in sys.modules and not os.environ.get(ENV):
        raise RuntimeError(
            "prometheus_client was imported before multiprocess mode was enabled; "
            "set PROMETHEUS_MULTIPROC_DIR before importing Django apps."
        )
    prepared = prepare_directory(path)
    os.environ[ENV] = str(prepared)
    return prepared


def prepare_celery_worker(*, service: str) -> None:
    """Enable multiprocess mode when this process is a Celery worker (``celery ... worker``).

    Runs when the service's Celery app module is imported, before Django, so the prefork
    children inherit the directory. Other processes importing the app are left alone.
    """
    argv = [os.path.basename(arg) for arg in sys.argv]
    is_celery = argv and (argv[0] in ("celery", "__main__.py") or "celery" in argv[:3])
    if not is_celery or "worker" not in argv:
        return
    if os.environ.get(ENV):  # set by the operator: use it, cleared like ours
        prepare_directory(os.environ[ENV])
        return
    enable(default_directory(f"{service}-celery"))


def default_directory(name: str) -> Path:
    """``$WANZO_METRICS_DIR`` (else the temp dir) ``/wanzo-metrics/<name>-<pid>``: one directory
    per server process, so servers on one host never share files."""
    base = os.environ.get("WANZO_METRICS_DIR") or tempfile.gettempdir()
    return Path(base) / PARENT / f"{name}-{os.getpid()}"


def remove_if_ours(path: str | os.PathLike | None) -> None:
    """Remove ``path`` if it is a directory :func:`default_directory` made in this process.

    A directory the operator set (``PROMETHEUS_MULTIPROC_DIR``) is left alone, and so is one
    made by another process: a child must not remove its parent's.
    """
    if not path:
        return
    path = Path(path)
    if path.parent.name == PARENT and path.name.endswith(f"-{os.getpid()}"):
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def locked(path: str | os.PathLike) -> Iterator[None]:
    with open(Path(path) / LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pids_with_files(path: str | os.PathLike) -> set[int]:
    pids = set()
    for entry in os.scandir(path):
        match = _DB_FILE.match(entry.name)
        if match:
            pids.add(int(match["pid"]))
        elif entry.name.startswith(active_users.FILE_PREFIX):
            stem = entry.name[len(active_users.FILE_PREFIX) : -len(active_users.FILE_SUFFIX)]
            if stem.isdigit():
                pids.add(int(stem))
    return pids


def _fold_db(source: Path, prefix: str, path: Path) -> None:
    from prometheus_client.mmap_dict import MmapedDict

    mode = prefix.partition("_")[2] if prefix.startswith("gauge_") else ""
    if mode.startswith("live") or mode == "all":
        return  # per-process gauges of a dead process: gone with it
    archive = MmapedDict(str(path / f"{prefix}_{ARCHIVE}.db"))
    try:
        for key, value, stamp, _ in MmapedDict.read_all_values_from_file(str(source)):
            old_value, old_stamp = archive.read_value(key)
            if prefix in _ADDITIVE:
                archive.write_value(key, old_value + value, 0.0)
            elif mode == "max":  # stamp 1.0 marks "has a value": a new key reads as 0.0
                archive.write_value(key, max(old_value, value) if old_stamp else value, 1.0)
            elif mode == "min":
                archive.write_value(key, min(old_value, value) if old_stamp else value, 1.0)
            elif stamp >= old_stamp:  # mostrecent
                archive.write_value(key, value, stamp)
    finally:
        archive.close()


def _fold_active_users(source: Path, path: Path) -> None:
    archive = path / f"{active_users.FILE_PREFIX}{ARCHIVE}{active_users.FILE_SUFFIX}"
    cutoff = time.time() - active_users._window()
    merged = active_users.latest(active_users.read_entries([archive, source]))
    tmp = archive.with_suffix(".tmp")
    tmp.write_text("".join(f"{k} {s:.3f}\n" for k, s in merged.items() if s >= cutoff))
    os.replace(tmp, archive)


def fold_process(pid: int, path: str | os.PathLike) -> None:
    """Fold a dead process's files into the archives and delete them. Caller holds the lock."""
    path = Path(path)
    for entry in list(os.scandir(path)):
        source = Path(entry.path)
        match = _DB_FILE.match(entry.name)
        if match and int(match["pid"]) == pid:
            _fold_db(source, match["prefix"], path)
            source.unlink()
        elif entry.name == f"{active_users.FILE_PREFIX}{pid}{active_users.FILE_SUFFIX}":
            _fold_active_users(source, path)
            source.unlink()


def compact(path: str | os.PathLike, *, dead: set[int] | None = None) -> set[int]:
    """Fold the files of every dead process (or of ``dead``); returns the pids folded."""
    with locked(path):
        return fold_dead(path, dead=dead)


def fold_dead(path: str | os.PathLike, *, dead: set[int] | None = None) -> set[int]:
    """:func:`compact` for a caller that already holds the lock (the exporter, which reads the
    files under the same acquisition)."""
    if dead is None:
        dead = {pid for pid in pids_with_files(path) if pid != os.getpid() and not pid_alive(pid)}
    for pid in dead:
        fold_process(pid, path)
    return dead


def live_pids(path: str | os.PathLike) -> set[int]:
    return {pid for pid in pids_with_files(path) if pid_alive(pid)}
