"""Scrape time of a real gunicorn server before and after many worker recycles.

Runs the admin service as deployed (``deploy/gunicorn.conf.py``, 4 sync workers) with
``max_requests=1``, so every request ends its worker and gunicorn forks a new one. Each dead
worker leaves metric files behind; the exporter must fold them (see
``wanzo_common.monitoring.multiprocess``) or every scrape would read them all.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _timing import row, verdict

REPO = Path(__file__).resolve().parent.parent
SERVICE_DIR = REPO / "services" / "admin"
WORKERS = 4
SCRAPES = 20
CLIENT_THREADS = 4
PATHS = ("/healthz", "/readyz", "/api/", "/no-such-page")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, *, timeout: float = 10.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Server:
    """gunicorn for the admin service on free ports, with its own DB and metrics directory."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="wanzo-bench-gunicorn-"))
        self.metrics_dir = self.tmp / "metrics"
        self.app_port, self.metrics_port = free_port(), free_port()
        self.log = self.tmp / "gunicorn.log"
        self.process: subprocess.Popen | None = None
        self.served = 0  # requests the app answered, which http_requests_total must count
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("PROMETHEUS_MULTIPROC_DIR", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(
            DATABASE_URL=f"sqlite:///{self.tmp / 'admin.sqlite3'}",
            GUNICORN_BIND=f"127.0.0.1:{self.app_port}",
            GUNICORN_WORKERS=str(WORKERS),
            GUNICORN_MAX_REQUESTS="1",
            GUNICORN_MAX_REQUESTS_JITTER="0",
            PROMETHEUS_PORT=str(self.metrics_port),
            PROMETHEUS_MULTIPROC_DIR=str(self.metrics_dir),
            LOG_LEVEL="WARNING",
            # No broker in this bench: the service runs on the mock, opted in (wanzo_events.E006).
            EVENTS_ALLOW_MOCK="true",
        )

    def start(self) -> None:
        bin_dir = Path(sys.executable).parent
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=SERVICE_DIR, env={k: v for k, v in self.env.items() if "MULTIPROC" not in k},
            check=True,
        )  # fmt: skip
        command = [
            str(bin_dir / "gunicorn"), "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
            "--chdir", str(SERVICE_DIR), "--access-logfile", "/dev/null",
            "admin_service.wsgi",
        ]  # fmt: skip
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                get(self.app_port, "/healthz", timeout=2)
                self.served += 1
                get(self.metrics_port, "/metrics", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not come up; its log:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            tail = self.log.read_text()[-3000:]
            raise SystemExit(f"gunicorn exited ({self.process.returncode}); its log:\n{tail}")

    def file_count(self) -> int:
        return sum(1 for entry in os.scandir(self.metrics_dir) if entry.is_file())


def drive(port: int, total: int) -> tuple[int, int]:
    """``total`` requests from a few threads; returns (served, failed attempts)."""
    lock = threading.Lock()
    state = {"next": 0, "served": 0, "failed": 0}

    def client() -> None:
        while True:
            with lock:
                if state["next"] >= total:
                    return
                index = state["next"]
                state["next"] += 1
            for _attempt in range(5):
                try:
                    get(port, PATHS[index % len(PATHS)])
                    with lock:
                        state["served"] += 1
                    break
                except (OSError, http.client.HTTPException):
                    with lock:
                        state["failed"] += 1
                    time.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return state["served"], state["failed"]


def scrape_times(port: int, count: int = SCRAPES) -> tuple[float, bytes]:
    """Median wall time of ``count`` scrapes, and the last body. First the last workers that
    served are let exit and one unmeasured scrape folds them, so that before and after are
    measured in the same settled state."""
    time.sleep(2.0)
    get(port, "/metrics")
    times, body = [], b""
    for _ in range(count):
        start = time.perf_counter()
        status, body = get(port, "/metrics")
        times.append(time.perf_counter() - start)
        if status != 200:
            raise SystemExit(f"scrape answered {status}")
    return statistics.median(times), body


def requests_total(body: bytes) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(body.decode()):
        if family.name == "http_requests":
            return sum(s.value for s in family.samples if s.name == "http_requests_total")
    return 0.0


def collect_times(metrics_dir: Path, dead_workers: int) -> tuple[float, float]:
    """In-process collection time by prometheus_client's own ``MultiProcessCollector`` (no
    folding) of the folded archives, and of what it would read if each dead worker's files were
    kept instead: one copy of the archives per dead worker."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    def median_collect(path: str) -> float:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=path)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            generate_latest(registry)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    archives = list(metrics_dir.glob("*_archive.db"))
    with tempfile.TemporaryDirectory(prefix="wanzo-bench-unfolded-") as tmp:
        for archive in archives:
            shutil.copy(archive, tmp)
        folded = median_collect(tmp)
        for pid in range(10_000_000, 10_000_000 + dead_workers):
            for archive in archives:
                shutil.copy(archive, Path(tmp) / archive.name.replace("archive", str(pid)))
        return folded, median_collect(tmp)


def scrape_section(*, recycles: int, goal: float) -> dict[str, float]:
    """Section 3 of the bench: prints the figures and returns them."""
    print(f"\n[3] Scrape: gunicorn, {WORKERS} sync workers, max_requests=1, admin service")
    server = Server()
    try:
        server.start()
        warmup, _ = drive(server.app_port, 2 * len(PATHS))  # every route, so every series
        server.check_alive()
        before, body_before = scrape_times(server.metrics_port)
        files_before = server.file_count()
        started = time.monotonic()
        served, failed = drive(server.app_port, recycles)
        took = time.monotonic() - started
        server.check_alive()
        after, body_after = scrape_times(server.metrics_port)
        files_after = server.file_count()
        folded, unfolded = collect_times(server.metrics_dir, recycles)
    finally:
        server.stop()
    ratio = after / before
    counted = requests_total(body_after)
    expected = server.served + warmup + served
    row(
        f"scrape before (median of {SCRAPES})",
        f"{before * 1e3:.2f} ms",
        f"{len(body_before):,} bytes; {files_before} files in the multiproc dir",
    )
    row(
        f"{recycles:,} requests = worker recycles",
        f"{took:.1f} s",
        f"{recycles / took:.1f} recycles/s; {CLIENT_THREADS} client threads; {failed} retries",
    )
    row(
        f"scrape after (median of {SCRAPES})",
        f"{after * 1e3:.2f} ms",
        f"{len(body_after):,} bytes; {files_after} files in the multiproc dir",
    )
    row("after / before", f"{ratio:.2f}", f"goal <= {goal:g}  {verdict(ratio, goal)}")
    row(
        "http_requests_total after, all workers",
        f"{counted:.0f}",
        f"requests served: {expected} ({'equal' if counted == expected else 'DIFFERENT'})",
    )
    row(
        "collect folded files, in-process (info)",
        f"{folded * 1e3:.2f} ms",
        "prometheus_client's collector alone",
    )
    row(
        f"same, {recycles:,} dead workers' files kept",
        f"{unfolded * 1e3:.2f} ms",
        "what scrapes would cost without folding",
    )
    return {"before": before, "after": after, "ratio": ratio, "took": took}
