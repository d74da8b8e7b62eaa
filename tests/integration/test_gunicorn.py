"""A real gunicorn with 4 workers, started from ``deploy/gunicorn.conf.py``, scraped on its
dedicated metrics port: counts add up exactly across workers, survive worker recycling, and
``active_users`` counts each user once whichever workers served them.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import (
    REPO,
    Process,
    child_env,
    executable,
    free_port,
    labelled_pids,
    run_checked,
    scrape,
    wait_for_port,
)
from wanzo_common.monitoring import active_users, multiprocess
from wanzo_common.monitoring.middleware import UNMATCHED_ROUTE
from wanzo_common.monitoring.testing import sample_sum

pytestmark = pytest.mark.integration

ADMIN = REPO / "services" / "admin"
WORKERS = 4
_APP = ("http_", "database_", "active_users")


@dataclass
class Server:
    process: Process
    app_port: int
    metrics_port: int
    metrics_base: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.app_port}{path}"

    @property
    def multiproc_dir(self) -> Path:
        """Where the hooks put the workers' files: one directory per server (port, master pid)."""
        name = f"gunicorn-{self.app_port}-{self.process.pid}"
        return self.metrics_base / "wanzo-metrics" / name

    def db_files(self) -> list[str]:
        return sorted(p.name for p in self.multiproc_dir.glob("*.db"))


def start_gunicorn(spawn, tmp_path: Path, *, app: str, chdir: Path, env: dict) -> Server:
    app_port, metrics_port = free_port(), free_port()
    env = child_env(PROMETHEUS_PORT=metrics_port, WANZO_METRICS_DIR=tmp_path, **env)
    argv = executable("gunicorn") + [
        "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
        "--chdir", str(chdir),
        "-b", f"127.0.0.1:{app_port}",
        "-w", str(WORKERS),
        "--no-control-socket",  # else every gunicorn shares ~/.gunicorn/gunicorn.ctl
        app,
    ]  # fmt: skip
    process = spawn("gunicorn", argv, env=env, stop_signal=signal.SIGINT)  # quick shutdown
    wait_for_port(metrics_port, process=process)
    wait_for_port(app_port, process=process)
    return Server(process, app_port, metrics_port, tmp_path)


def start_admin(spawn, tmp_path: Path, *, database_url: str, max_requests: int) -> Server:
    database = {"DATABASE_URL": database_url}
    run_checked(
        [sys.executable, "manage.py", "migrate", "-v0"], env=child_env(**database),
        cwd=ADMIN,
    )  # fmt: skip
    env = {
        **database,
        "GUNICORN_MAX_REQUESTS": max_requests,
        "GUNICORN_MAX_REQUESTS_JITTER": 0,
    }
    return start_gunicorn(
        spawn, tmp_path, app="admin_service.wsgi:application", chdir=ADMIN, env=env
    )


def fire(server: Server, paths: list[str], *, auth=None, threads: int = 8) -> Counter:
    """GET every path from ``threads`` concurrent clients; returns a Counter of (path, status)."""

    def get(path: str) -> tuple[str, int]:
        return path, requests.get(server.url(path), auth=auth, timeout=30).status_code

    with ThreadPoolExecutor(threads) as pool:
        return Counter(pool.map(get, paths))


def test_four_workers_add_up_exactly_and_each_reports_its_process(spawn, tmp_path, database_url):
    server = start_admin(spawn, tmp_path, database_url=database_url, max_requests=0)
    plan = {
        "/healthz": ("healthz", 200),
        "/api/": ("api/", 200),
        "/readyz": ("readyz", 200),
        "/no/such/page/": (UNMATCHED_ROUTE, 404),
    }
    paths = list(plan) * 100  # 8 concurrent clients keep all 4 sync workers busy

    served = fire(server, paths)
    samples = scrape(server.metrics_port)

    assert served == {(path, status): 100 for path, (_, status) in plan.items()}
    assert sample_sum(samples, "http_requests_total") == len(paths)
    assert sample_sum(samples, "http_request_duration_seconds_count") == len(paths)
    for path, (route, status) in plan.items():
        got = sample_sum(
            samples, "http_requests_total", method="GET", route=route, status=str(status)
        )
        assert got == paths.count(path), route
    assert sample_sum(samples, "http_requests_in_progress") == 0
    # /readyz runs one query, the other routes none (connecting runs no timed query).
    queries = sample_sum(samples, "database_query_duration_seconds_count", operation="select")
    assert queries == paths.count("/readyz")
    _assert_process_metrics(samples, server)
    again = scrape(server.metrics_port)  # scraping moves no counter
    assert _app_samples(again) == _app_samples(samples)


def _app_samples(samples: dict) -> dict:
    return {key: value for key, value in samples.items() if key[0].startswith(_APP)}


def _assert_process_metrics(samples: dict, server: Server) -> None:
    """``process_*`` for the master and each worker, told apart by ``pid``; one python_info."""
    workers = server.process.children()
    assert len(workers) == WORKERS
    expected = {server.process.pid} | workers
    for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                 "process_start_time_seconds", "process_open_fds"):  # fmt: skip
        assert labelled_pids(samples, name) == expected, name
    for pid in expected:
        assert samples[("process_resident_memory_bytes", (("pid", str(pid)),))] > 0
    assert sum(1 for name, _ in samples if name == "python_info") == 1


def test_recycled_workers_keep_counters_exact_and_the_directory_small(
    spawn, tmp_path, database_url
):
    max_requests, batches, batch = 20, 10, ["/healthz", "/api/"] * 20
    server = start_admin(spawn, tmp_path, database_url=database_url, max_requests=max_requests)
    # Files of the master and the live workers, of at most one generation of workers that
    # exited and are not reaped yet, and the archives: without folding, 3 files per dead worker.
    bound = 3 * (2 * WORKERS + 1) + 4
    sent, figures = 0, []
    for _ in range(batches):
        fire(server, batch)
        sent += len(batch)
        start = time.perf_counter()
        samples = scrape(server.metrics_port)
        figures.append((sent, len(server.db_files()), time.perf_counter() - start))
        assert sample_sum(samples, "http_requests_total") == sent  # never lost, never twice
        assert figures[-1][1] <= bound, server.db_files()

    restarts = server.process.log().count("Autorestarting worker")
    assert restarts >= (sent - WORKERS * (max_requests - 1)) // max_requests
    assert "counter_archive.db" in server.db_files()
    _wait_until_reaped(server)
    print(f"\nrecycling: {restarts} restarts; (sent, .db files, scrape s): {figures}")
    print(f"files at the end: {server.db_files()}")


def _wait_until_reaped(server: Server, *, timeout: float = 10.0) -> None:
    """Only live processes (and the archives) have files once the master has reaped the rest."""
    deadline = time.monotonic() + timeout
    while True:
        owners = multiprocess.pids_with_files(server.multiproc_dir)
        expected = {server.process.pid} | server.process.children()
        if owners <= expected:
            return
        assert time.monotonic() < deadline, f"files of dead workers left: {owners - expected}"
        time.sleep(0.05)


def test_active_users_counts_each_user_once_across_workers(spawn, tmp_path, database_url):
    env = {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tests.integration.settings",
    }
    users = {f"user{i}": f"password-{i}" for i in range(3)}
    run_checked([sys.executable, "-c", _CREATE_USERS, repr(users)], env=child_env(**env))
    env.pop("DJANGO_SETTINGS_MODULE")  # the gunicorn hooks derive it from the WSGI module
    server = start_gunicorn(
        spawn, tmp_path, app="tests.integration.wsgi:application", chdir=REPO,
        env={**env, "GUNICORN_MAX_REQUESTS": 0},
    )  # fmt: skip

    def authenticated(name: str) -> Counter:
        return fire(server, ["/api/whoami/"] * 30, auth=(name, users[name]), threads=3)

    with ThreadPoolExecutor(len(users)) as pool:
        served = sum(pool.map(authenticated, users), Counter())
    served += fire(server, ["/api/whoami/"] * 10)  # anonymous: refused, not a user
    served += fire(server, ["/api/whoami/"] * 5, auth=("user0", "wrong"))

    assert served == {("/api/whoami/", 200): 90, ("/api/whoami/", 401): 15}
    per_worker = [f for f in server.multiproc_dir.glob("active_users_*.log") if _pid_of(f)]
    seen_by_workers = [len(active_users.latest(active_users.read_entries([f]))) for f in per_worker]
    # Several workers saw the same users: a sum of per-worker gauges would overcount.
    assert sum(seen_by_workers) > len(users), seen_by_workers
    assert scrape(server.metrics_port)[("active_users", ())] == len(users)

    # A worker that exits has its users folded into the archive: still counted, once.
    victim = _pid_of(per_worker[0])
    os.kill(victim, signal.SIGTERM)
    _wait_until_folded(server, victim)
    assert scrape(server.metrics_port)[("active_users", ())] == len(users)


def _pid_of(log: Path) -> int | None:
    """The worker pid in ``active_users_<pid>.log`` (None for the archive)."""
    stem = log.stem.removeprefix(active_users.FILE_PREFIX)
    return int(stem) if stem.isdigit() else None


def _wait_until_folded(server: Server, pid: int, *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while pid in multiprocess.pids_with_files(server.multiproc_dir):
        assert time.monotonic() < deadline, f"worker {pid}'s files were not folded"
        time.sleep(0.05)


_CREATE_USERS = """
import ast, sys, django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
call_command("migrate", verbosity=0)
for name, password in ast.literal_eval(sys.argv[1]).items():  # the database may be reused
    user, _ = get_user_model().objects.get_or_create(username=name)
    user.set_password(password)
    user.save()
"""
