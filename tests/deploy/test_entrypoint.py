"""deploy/entrypoint.sh run outside Docker the way the image runs it.

No Docker engine runs on the development and CI machines, so the image's entrypoint is exercised
here: the image's environment (``PROMETHEUS_BIND_ADDRESS=0.0.0.0``, ``SERVICE``, JSON logs,
bytecode writing off), a non-root user (a throwaway uid through ``setpriv`` when the test runs as
root), the migrate role, the web role as a real gunicorn with several workers answering
``/healthz`` with its metrics on the metrics port, the worker role consuming an event from a
Kafka-protocol broker (the dev broker, or ``KAFKA_BROKERS``), and the consumer, relay and beat
roles starting and stopping cleanly on SIGTERM. SQLite files in a temporary
directory, or PostgreSQL when ``DATABASE_URL`` names it (CI).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.conftest import free_port, scrape
from wanzo_common.api.keys import throwaway_key_env as token_keys_env
from wanzo_common.events.testing import kafka_env
from wanzo_common.monitoring.testing import sample_sum

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO / "deploy" / "entrypoint.sh"
APP_UID = 10001  # the image's user
WORKERS = 3


def _runs(prefix: list[str]) -> bool:
    """Whether the interpreter runs under ``prefix`` as the entrypoint runs it: from a shell
    (setpriv's own exec may still hold root's capabilities; a nested one does not)."""
    code = "import wanzo_common, django, gunicorn, celery"
    probe = prefix + ["/bin/sh", "-c", 'exec "$0" -c "$1"', sys.executable, code]
    return subprocess.run(probe, capture_output=True, cwd="/", check=False).returncode == 0


def _app_user_prefix() -> tuple[list[str], str]:
    """The command prefix that runs a process as the image's non-root user, and how."""
    if os.geteuid() != 0:
        return [], f"uid {os.geteuid()} (the test's own, not root)"
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop to a non-root user")
    plain = [setpriv, f"--reuid={APP_UID}", f"--regid={APP_UID}", "--clear-groups", "--"]
    if _runs(plain):
        return plain, f"uid {APP_UID}"
    # The interpreter or the virtualenv lives where uid 10001 may not read (/root): keep the
    # user unprivileged for everything but reading files, so writes are still checked.
    caps = plain[:-1] + ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search", "--"]
    if _runs(caps):
        return caps, f"uid {APP_UID} with CAP_DAC_READ_SEARCH (to read {sys.executable})"
    pytest.skip(f"uid {APP_UID} cannot run {sys.executable}")


@dataclass
class Container:
    """What the image provides: an environment, a user, a writable temporary directory."""

    prefix: list[str]
    user: str
    tmp: Path
    env: dict[str, str]

    def argv(self, *args: str) -> list[str]:
        return self.prefix + [str(ENTRYPOINT), *args]

    def run(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.argv(*args), env={**self.env, **env}, cwd="/", capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip

    def start(self, name: str, *args: str, **env: str) -> Process:
        log_path = self.tmp / f"{name}.log"
        with open(log_path, "wb") as log:
            popen = subprocess.Popen(
                self.argv(*args), env={**self.env, **env}, cwd="/", stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        return Process(name, popen, log_path)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> None:
        if self.popen.poll() is not None:
            raise AssertionError(
                f"{self.name} exited {self.popen.returncode}:\n{self.log()[-4000:]}"
            )

    def tree(self) -> list[int]:
        """This process and its descendants (gunicorn workers, Celery pool processes)."""
        pids, todo = [], [self.popen.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                todo += [
                    int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
                ]
            except OSError:
                pass
        return pids

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM to PID 1 only, as Docker and Kubernetes stop a container (the entrypoint
        exec'd the role, so that is the server itself); SIGKILL what is left after ``timeout``."""
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self.popen.wait(5)


def uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for pid {pid}")


def wait_until(predicate, *, process: Process, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        process.alive()
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what} not within {timeout:.0f} s; log:\n{process.log()[-4000:]}"
            )
        time.sleep(0.1)


def answers(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
    except urllib.error.HTTPError:
        return True  # an HTTP answer, whatever its status
    except OSError:
        return False
    return True


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def container(devbroker: str) -> Iterator[Container]:
    prefix, user = _app_user_prefix()
    tmp = Path(tempfile.mkdtemp(prefix="wanzo-entrypoint-"))  # not pytest's: its parent is 0700
    if prefix:
        os.chown(tmp, APP_UID, APP_UID)
    run_id = secrets.token_hex(4)
    env = {
        # The image's ENV (deploy/Dockerfile), with the test's virtualenv in place of /opt/venv.
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PROMETHEUS_BIND_ADDRESS": "0.0.0.0",
        "WANZO_METRICS_DIR": str(tmp),
        "LOG_FORMAT": "json",
        "HOME": "/nonexistent",  # the image user's home (useradd --home-dir /nonexistent)
        "TMPDIR": str(tmp),
        # What a deployment sets.
        "SERVICE": "admin",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/{{service}}.sqlite3",
        **{k: os.environ[k] for k in ("PGPASSWORD", "KAFKA_GROUP_PROTOCOL") if k in os.environ},
        **token_keys_env(),
        **kafka_env(devbroker),
        # Topics and group of this run only, so a shared real cluster's history stays out.
        "KAFKA_TOPIC_PREFIX": f"entrypoint{run_id}.",
        "KAFKA_CONSUMER_GROUP_ID": f"wanzo-admin-entrypoint-{run_id}",
    }
    yield Container(prefix, user, tmp, env)
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def migrated(container: Container) -> subprocess.CompletedProcess:
    return container.run("migrate")


def test_migrate_role_applies_the_migrations(migrated):
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "Applying wanzo_events.0002_inbox" in migrated.stdout or (
        "No migrations to apply" in migrated.stdout  # PostgreSQL migrated by an earlier run
    )


def test_web_role_serves_healthz_from_several_workers_and_metrics(container, migrated):
    app_port, metrics_port = free_port(), free_port()
    ports = {"APP_PORT": str(app_port), "PROMETHEUS_PORT": str(metrics_port)}
    web = container.start("web", "web", GUNICORN_WORKERS=str(WORKERS), **ports)
    try:
        wait_until(lambda: answers(app_port) and answers(metrics_port), process=web,
                   timeout=30, what="gunicorn on its app and metrics ports")  # fmt: skip
        wait_until(lambda: len(web.tree()) >= 1 + WORKERS, process=web, timeout=15,
                   what=f"{WORKERS} gunicorn workers")  # fmt: skip
        for _ in range(20):
            assert get(app_port, "/healthz") == (200, b'{"status": "ok"}')
        status, body = get(app_port, "/readyz")
        assert status == 200, body
        assert json.loads(body)["transport"] == "kafka"
        # The image's HEALTHCHECK, run as Docker runs it: a separate process, same environment.
        check = container.run("healthcheck", **ports)
        assert check.returncode == 0, check.stdout + check.stderr

        samples = scrape(metrics_port)
        served = sample_sum(samples, "http_requests_total", route="healthz")
        assert served >= 20
        pids = web.tree()
        if container.prefix:
            assert {uid_of(pid) for pid in pids} == {APP_UID}, container.user
        assert "Booting worker" in web.log()
    finally:
        code = web.stop()
    assert code == 0, web.log()[-4000:]


def test_worker_role_consumes_events_from_the_broker(container, migrated):
    metrics_port = free_port()
    worker = container.start(
        "worker", "worker", CELERY_PROMETHEUS_PORT=str(metrics_port), CELERY_CONCURRENCY="2"
    )
    try:
        wait_until(lambda: answers(metrics_port), process=worker, timeout=45,
                   what="the worker's metrics port")  # fmt: skip
        instance = f"accounting-{secrets.token_hex(4)}"
        data = json.dumps({"service": "accounting", "instanceId": instance})
        # Published by another service through the same entrypoint (its passthrough to manage.py).
        published = container.run(
            "manage", "events", "publish", "system.service_started", "--data", data,
            "--immediate", SERVICE="accounting",
        )  # fmt: skip
        assert published.returncode == 0, published.stdout + published.stderr
        event_id = published.stdout.split("id=")[1].split()[0]

        wait_until(lambda: f"(event {event_id})" in worker.log(), process=worker, timeout=60,
                   what=f"the admin worker handling event {event_id}")  # fmt: skip
        handled = sample_sum(
            scrape(metrics_port), "kafka_events_consumed_total",
            type="system.service_started", outcome="handled",
        )  # fmt: skip
        assert handled >= 1
        if container.prefix:
            assert {uid_of(pid) for pid in worker.tree()} == {APP_UID}, container.user
    finally:
        code = worker.stop(timeout=45)
    assert code == 0, worker.log()[-4000:]


def test_an_unknown_service_is_refused_by_name():
    env = {"PATH": os.environ["PATH"], "SERVICE": "billing"}
    result = subprocess.run([str(ENTRYPOINT), "web"], env=env, capture_output=True, text=True)
    assert result.returncode == 64
    assert "unknown SERVICE 'billing' (one of: accounting admin app_mobile auth)" in result.stderr


def test_a_role_needs_a_service_and_other_commands_pass_through():
    env = {"PATH": os.environ["PATH"]}
    missing = subprocess.run([str(ENTRYPOINT), "relay"], env=env, capture_output=True, text=True)
    assert missing.returncode == 64 and "SERVICE is not set" in missing.stderr
    echo = subprocess.run([str(ENTRYPOINT), "echo", "as", "given"], env=env, capture_output=True,
                          text=True)  # fmt: skip
    assert (echo.returncode, echo.stdout) == (0, "as given\n")


def test_consumer_relay_and_beat_roles_run_and_stop_on_sigterm(container, migrated):
    metrics_port = free_port()
    started = {
        "consumer": container.start(
            "consumer", "consumer", EVENTS_PROMETHEUS_PORT=str(metrics_port)
        ),
        "relay": container.start("relay", "relay"),
        "beat": container.start("beat", "beat"),
    }
    markers = {
        "consumer": "as group wanzo-admin-entrypoint-",
        "relay": "events transport: kafka",
        "beat": "Sending due task wanzo-events-relay-outbox",
    }
    try:
        for role, process in started.items():
            marker = markers[role]
            wait_until(lambda p=process, m=marker: m in p.log(), process=process, timeout=30,
                       what=f"the {role} role's {marker!r}")  # fmt: skip
        wait_until(lambda: answers(metrics_port), process=started["consumer"], timeout=15,
                   what="the consumer's metrics port")  # fmt: skip
    finally:
        codes = {role: process.stop() for role, process in started.items()}
    assert codes == {"consumer": 0, "relay": 0, "beat": 0}, {
        role: process.log()[-2000:] for role, process in started.items()
    }
    assert "relayed 0 event(s); stopped" in started["relay"].log()
