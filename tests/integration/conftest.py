"""Helpers for tests that run real servers: free ports, readiness waits, scrapes, processes.

Every process is started in a session of its own and its whole process group is stopped at
teardown, so a failing test never leaves gunicorn workers or Celery children behind. Processes
get a clean environment: the test process's ``DJANGO_SETTINGS_MODULE`` (set by pytest-django)
must not leak into the server under test, and each test says which database and broker to use.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from wanzo_common.api.keys import throwaway_key_env
from wanzo_common.monitoring.testing import parse_exposition

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Variables that would change what the child process runs or where it writes.
_SCRUBBED = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "PROMETHEUS_MULTIPROC_DIR",
    "prometheus_multiproc_dir",
    "PROMETHEUS_PORT",
    "CELERY_PROMETHEUS_PORT",
    "CELERY_BROKER_URL",
    "GUNICORN_CMD_ARGS",
    "WANZO_METRICS_DIR",
)


def free_port() -> int:
    """A TCP port free right now (the kernel picks it, so tests can run in parallel)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_url(tmp_path) -> str:
    """``DATABASE_URL`` when set (PostgreSQL in CI: one database per service, made by
    ``.ci/run``), else a SQLite file per service in the test's directory."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path}/{{service}}.sqlite3"


def executable(name: str) -> list[str]:
    """The venv's console script if there is one, else ``python -m name``."""
    script = BIN / name
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


def child_env(**extra: str) -> dict[str, str]:
    """A child's environment; a child without a broker runs on the mock, opted in as a test."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env["PYTHONUNBUFFERED"] = "1"
    env["EVENTS_ALLOW_MOCK"] = "true"
    env.update(throwaway_key_env())
    env.update({k: str(v) for k, v in extra.items()})
    return env


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path
    stop_signal: int = signal.SIGTERM

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def children(self) -> set[int]:
        """Pids of this process's direct children (gunicorn workers, Celery pool processes)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return {int(pid) for pid in path.read_text().split()}

    def check_running(self) -> None:
        if self.popen.poll() is not None:
            raise AssertionError(
                f"{self.name} exited with {self.popen.returncode}; log:\n{self.log()[-4000:]}"
            )

    def stop(self, *, timeout: float = 20.0) -> None:
        if self.popen.poll() is None:
            _signal_group(self.pid, self.stop_signal)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                self.popen.wait(5)
        _signal_group(self.pid, signal.SIGKILL)  # children a dead leader left behind


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


@pytest.fixture
def spawn(tmp_path) -> Iterator:
    """``spawn(name, argv, env=..., cwd=...)`` starts a process; all are stopped at teardown
    (``stop_signal`` to the process group, then SIGKILL)."""
    started: list[Process] = []

    def start(
        name: str, argv: list[str], *, env: dict[str, str], cwd: Path = REPO,
        stop_signal: int = signal.SIGTERM,
    ) -> Process:  # fmt: skip
        log_path = tmp_path / f"{name}.log"
        with open(log_path, "wb") as log:
            popen = subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        process = Process(name, popen, log_path, stop_signal)
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        process.stop()


def wait_for_port(port: int, *, process: Process, timeout: float = 30.0) -> None:
    """Wait until something accepts connections on ``port``; fail early if ``process`` died."""
    deadline = time.monotonic() + timeout
    while True:
        process.check_running()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{process.name} did not listen on port {port} within {timeout:.0f} s; "
                    f"log:\n{process.log()[-4000:]}"
                ) from None
            time.sleep(0.05)


def scrape(port: int) -> dict:
    """Fetch ``/metrics`` from an exporter and parse it with prometheus_client's parser."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return parse_exposition(response.read().decode())


def labelled_pids(samples: dict, name: str) -> set[int]:
    """The ``pid`` label values of every sample called ``name``."""
    return {int(dict(labels)["pid"]) for (n, labels), _ in samples.items() if n == name}


def run_checked(argv: list[str], *, env: dict[str, str], cwd: Path = REPO) -> str:
    """Run a short command (migrate, a set-up snippet); fail with its output if it fails."""
    result = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"{argv} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout
