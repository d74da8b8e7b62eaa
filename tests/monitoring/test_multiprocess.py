"""Multiprocess mode: dead workers' files are folded so counters never go backwards and scrapes
stay bounded. Workers are real processes (tests/monitoring/mp_worker.py) started with
PROMETHEUS_MULTIPROC_DIR set, since the mode is chosen when prometheus_client is imported."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.monitoring.conftest import PYTHON, REPO, clean_env
from wanzo_common.monitoring import active_users, multiprocess
from wanzo_common.monitoring.exporter import FoldingMultiProcessCollector
from wanzo_common.monitoring.testing import parse_exposition, sample_sum

EVENTS = ("mp_events_total", {"kind": "a"})


@pytest.fixture
def mpdir(tmp_path) -> Path:
    return multiprocess.prepare_directory(tmp_path / "metrics")


def worker_env(path: Path) -> dict[str, str]:
    return clean_env(PROMETHEUS_MULTIPROC_DIR=str(path), DJANGO_SETTINGS_MODULE="tests.settings")


def start_worker(path: Path, **plan) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "tests.monitoring.mp_worker", json.dumps(plan)],
        cwd=REPO, env=worker_env(path), text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def finish(process: subprocess.Popen) -> int:
    out, err = process.communicate("\n", timeout=60)
    assert process.returncode == 0, err
    return int(out.split()[0]) if out.strip() else 0


def run_workers(path: Path, *plans: dict) -> list[int]:
    """Run workers side by side to their exit; returns their pids (all dead now)."""
    processes = [start_worker(path, **plan) for plan in plans]
    return [finish(process) for process in processes]


class LiveWorker:
    """A worker that records its plan, then stays alive until released."""

    def __init__(self, path: Path, **plan) -> None:
        self.process = start_worker(path, wait=True, **plan)
        line = self.process.stdout.readline()
        assert line.strip().isdigit(), self.process.stderr.read()
        self.pid = int(line)

    def release(self) -> None:
        self.process.communicate("\n", timeout=60)
        assert self.process.returncode == 0


def scrape(path: Path, collector=MultiProcessCollector) -> dict:
    """Parse what a registry over ``path`` exposes (plain prometheus_client or ours)."""
    registry = CollectorRegistry()
    collector(registry, path=str(path))
    return parse_exposition(generate_latest(registry).decode())


LIVE_GAUGES = ("mp_in_flight", "http_requests_in_progress")


def without_live_gauges(samples: dict) -> dict:
    """Live gauges of dead workers are dropped by design; everything else must read the same."""
    return {key: v for key, v in samples.items() if key[0] not in LIVE_GAUGES}


def value(samples: dict, name: str, **labels: str) -> float:
    return sample_sum(samples, name, **labels)


def pid_files(path: Path, pids) -> list[str]:
    return sorted(
        entry.name
        for entry in path.iterdir()
        if any(entry.name.endswith((f"_{pid}.db", f"_{pid}.log")) for pid in pids)
    )


def test_folding_keeps_counter_and_histogram_totals(mpdir):
    dead = run_workers(
        mpdir, {"events": 3, "observe": [0.05, 0.5]}, {"events": 4, "observe": [2.0]}
    )
    before = scrape(mpdir)
    assert value(before, *EVENTS[:1], **EVENTS[1]) == 7
    assert multiprocess.compact(mpdir) == set(dead)
    after = scrape(mpdir)
    assert after == without_live_gauges(before)  # a scrape cannot tell the workers were folded
    assert pid_files(mpdir, dead) == []
    assert (mpdir / "counter_archive.db").exists() and (mpdir / "histogram_archive.db").exists()


def test_archive_adds_up_across_several_folds(mpdir):
    totals = []
    for events in (3, 4, 5):
        run_workers(mpdir, {"events": events, "observe": [0.05]})
        multiprocess.compact(mpdir)
        samples = scrape(mpdir)
        totals.append(value(samples, "mp_events_total", kind="a"))
    assert totals == [3, 7, 12]  # never backwards
    assert value(samples, "mp_duration_seconds_count") == 3
    assert value(samples, "mp_duration_seconds_bucket", le="0.1") == 3
    assert value(samples, "mp_duration_seconds_sum") == pytest.approx(0.15)


def test_live_workers_are_not_folded_and_dead_livesum_is_dropped(mpdir):
    live = LiveWorker(mpdir, events=1, in_flight=2)
    try:
        (dead,) = run_workers(mpdir, {"events": 10, "in_flight": 1})  # died mid-request
        assert value(scrape(mpdir), "mp_in_flight") == 3  # plain prometheus_client: stale
        assert multiprocess.compact(mpdir) == {dead}
        samples = scrape(mpdir)
        assert value(samples, "mp_in_flight") == 2  # only the live worker's requests
        assert value(samples, "mp_events_total", kind="a") == 11
        assert pid_files(mpdir, [dead]) == []
        assert pid_files(mpdir, [live.pid])  # a live worker's files are left alone
    finally:
        live.release()
    samples = scrape(mpdir, FoldingMultiProcessCollector)  # folds the now-dead worker itself
    assert value(samples, "mp_in_flight") == 0
    assert value(samples, "mp_events_total", kind="a") == 11
    assert pid_files(mpdir, [live.pid]) == []


def test_mostrecent_gauge_keeps_the_newest_value_whatever_the_fold_order(mpdir):
    (older,) = run_workers(mpdir, {"balance": 5})
    (newer,) = run_workers(mpdir, {"balance": 7})
    assert value(scrape(mpdir), "mp_balance", currency="XAF") == 7
    multiprocess.compact(mpdir, dead={newer})
    multiprocess.compact(mpdir, dead={older})
    assert value(scrape(mpdir), "mp_balance", currency="XAF") == 7
    run_workers(mpdir, {"balance": -2})
    multiprocess.compact(mpdir)
    assert value(scrape(mpdir), "mp_balance", currency="XAF") == -2


def test_max_min_and_sum_gauges_read_the_same_after_folding(mpdir):
    run_workers(
        mpdir,
        {"peak": -3, "trough": 4, "total": 1.5},
        {"peak": -8, "trough": 9, "total": 2.5},
    )
    before = scrape(mpdir)
    assert (value(before, "mp_peak"), value(before, "mp_trough"), value(before, "mp_total")) == (
        -3, 4, 4.0,
    )  # fmt: skip
    multiprocess.compact(mpdir)
    assert scrape(mpdir) == without_live_gauges(before)
    run_workers(mpdir, {"peak": -5, "trough": 6, "total": 1})
    multiprocess.compact(mpdir)
    after = scrape(mpdir)
    assert (value(after, "mp_peak"), value(after, "mp_trough"), value(after, "mp_total")) == (
        -3, 4, 5.0,
    )  # fmt: skip


def dead_pid_base() -> int:
    """Pids above the kernel's maximum belong to no process, now or later."""
    return int(Path("/proc/sys/kernel/pid_max").read_text()) + 1000


def test_scrape_after_200_dead_workers_reads_a_bounded_number_of_files(mpdir):
    first, count = dead_pid_base(), 200
    run_workers(mpdir, {"fake_pids": [first, count], "events": 1, "observe": [0.5], "peak": 1})
    assert len(list(mpdir.glob("counter_*.db"))) == count
    before = scrape(mpdir)
    assert value(before, "mp_events_total", kind="a") == count
    assert value(before, "mp_duration_seconds_count") == count

    registry = CollectorRegistry()
    collector = FoldingMultiProcessCollector(registry, path=str(mpdir))
    read = []

    def spying_merge(files, accumulate=True):
        read.append(sorted(Path(f).name for f in files))
        return MultiProcessCollector.merge(files, accumulate)

    collector.merge = spying_merge
    for _ in range(2):
        samples = parse_exposition(generate_latest(registry).decode())
        assert value(samples, "mp_events_total", kind="a") == count
        assert value(samples, "mp_duration_seconds_count") == count
        assert value(samples, "mp_peak") == 1
    assert len(read) == 2
    assert all(len(files) <= 8 for files in read), read
    assert all("archive" in name for files in read for name in files)
    assert multiprocess.pids_with_files(mpdir) == set()


def test_active_user_seen_by_two_processes_counts_once(mpdir):
    first = LiveWorker(mpdir, users=[42, 7])
    second = LiveWorker(mpdir, users=[42])
    try:
        assert active_users.count_active(str(mpdir)) == 2  # users 42 and 7
        assert pid_files(mpdir, [first.pid, second.pid])
    finally:
        first.release()
        second.release()
    assert multiprocess.compact(mpdir) >= {first.pid, second.pid}
    assert active_users.count_active(str(mpdir)) == 2  # still there once folded
    assert [p.name for p in mpdir.glob("active_users_*")] == ["active_users_archive.log"]
    archive = (mpdir / "active_users_archive.log").read_text()
    assert "42" not in archive.split()  # opaque keys, no user ids


def test_folded_active_users_still_expire(mpdir):
    run_workers(mpdir, {"users": [1, 2, 3]})
    multiprocess.compact(mpdir)
    now = time.time()
    assert active_users.count_active(str(mpdir), now=now) == 3
    assert active_users.count_active(str(mpdir), now=now + 301) == 0
