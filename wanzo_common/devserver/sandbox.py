"""A throwaway copy of the whole system on free ports: ``manage_all.py up`` in a copy of the repo.

Four services, each a real gunicorn with two workers, its event consumer (a ``consume_events``
process: ``up --consumers commands``) and outbox relay, on its own database (PostgreSQL when
``DATABASE_URL`` points at one: a fresh ``<name>_<label>_<service>`` database per run; else
SQLite files), with the dev broker — or the
Kafka cluster of ``KAFKA_BROKERS``, under a topic prefix of its own. Everything each process
prints goes to one log file, which the end-to-end tests search for personal data. The API load
bench (``bench/api_load.py``) starts two: as shipped, and with monitoring and events switched
off (``events=False``: ``up --no-events``; ``env`` adds ``MONITORING_ENABLED=false``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url

from wanzo_common.devserver.topology import MOCK_OPT_IN
from wanzo_common.monitoring.testing import parse_exposition
from wanzo_common.ports import SERVICES

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 180


def free_ports(count: int) -> list[int]:
    """Distinct free ports: all probes stay bound until every port is chosen."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


@dataclass
class System:
    root: Path
    log_path: Path
    env: dict[str, str]
    app_ports: dict[str, int]
    metrics_ports: dict[str, int]
    events_ports: dict[str, int]
    relay_ports: dict[str, int]
    proc: subprocess.Popen | None = None
    extra_logs: list[Path] = field(default_factory=list)

    def url(self, service: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.app_ports[service]}{path}"

    def scrape(self, service: str, *, events: bool = False) -> dict:
        port = (self.events_ports if events else self.metrics_ports)[service]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            return parse_exposition(response.read().decode())

    def manage(self, service: str, *args: str, env: dict[str, str] | None = None) -> str:
        """Run a manage.py command of ``service`` against the running system's database."""
        # A one-off command publishes through the outbox (the relay sends): MOCK_OPT_IN, as
        # manage_all.py's own one-off commands.
        child = {
            **self.env, **MOCK_OPT_IN,
            "DJANGO_SETTINGS_MODULE": f"{service}_service.settings", **(env or {}),
        }  # fmt: skip
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.root / "services" / service, env=child,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        with self.log_path.open("a") as log:  # searched for personal data with the rest
            log.write(result.stdout + result.stderr)
        if result.returncode:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def logs(self) -> str:
        return "".join(
            path.read_text(errors="replace") for path in [self.log_path, *self.extra_logs]
        )


def copy_of_repo(target: Path) -> Path:
    """manage_all.py and the services copied (``up`` writes their .env here); the rest linked."""
    target.mkdir()
    shutil.copy2(ROOT / "manage_all.py", target / "manage_all.py")
    ignore = shutil.ignore_patterns(".env", "*.sqlite3*", "__pycache__", "staticfiles")
    shutil.copytree(ROOT / "services", target / "services", ignore=ignore)
    for shared in ("wanzo_common", "deploy"):
        (target / shared).symlink_to(ROOT / shared)
    return target


def fresh_databases(tmp_path: Path, *, label: str = "e2e") -> str:
    """A DATABASE_URL with ``{service}``: new PostgreSQL databases, or SQLite files."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp_path}/{{service}}.sqlite3"
    import psycopg

    config = dj_database_url.parse(url.replace("{service}", "x"))
    base = f"{config['NAME'].removesuffix('_x')}_{label}"
    connect = dict(
        host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432,
        user=config["USER"], password=config.get("PASSWORD") or None, dbname="postgres",
    )  # fmt: skip
    with psycopg.connect(**connect, autocommit=True) as conn:
        for service in SERVICES:
            conn.execute(f'DROP DATABASE IF EXISTS "{base}_{service}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{base}_{service}"')
    auth = config["USER"] + (f":{config['PASSWORD']}" if config.get("PASSWORD") else "")
    return f"postgres://{auth}@{connect['host']}:{connect['port']}/{base}_{{service}}"


def start(
    tmp_path: Path,
    *,
    server: str = "gunicorn",
    workers: int = 2,
    events: bool = True,
    env: dict[str, str] | None = None,
    label: str = "e2e",
) -> System:
    """``up`` in a copy of the repo under ``tmp_path``, once every service answers /readyz.

    ``events=False`` runs ``up --no-events``; ``env`` is added to every process's environment;
    ``label`` names the PostgreSQL databases (dropped and made anew).
    """
    root = copy_of_repo(tmp_path / "repo")
    ports = free_ports(4 * len(SERVICES))
    system = System(
        root=root, log_path=tmp_path / "system.log", env={},
        app_ports=dict(zip(SERVICES, ports[0::4], strict=True)),
        metrics_ports=dict(zip(SERVICES, ports[1::4], strict=True)),
        events_ports=dict(zip(SERVICES, ports[2::4], strict=True)),
        relay_ports=dict(zip(SERVICES, ports[3::4], strict=True)),
    )  # fmt: skip
    for service in SERVICES:
        (root / "services" / service / ".env").write_text(
            f"APP_PORT={system.app_ports[service]}\n"
            f"PROMETHEUS_PORT={system.metrics_ports[service]}\n"
            f"EVENTS_PROMETHEUS_PORT={system.events_ports[service]}\n"
            f"RELAY_PROMETHEUS_PORT={system.relay_ports[service]}\n"
        )
    scrubbed = {"DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR", "USE_KAFKA", "DATABASE_URL"}
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if k not in scrubbed}
    env["DATABASE_URL"] = fresh_databases(tmp_path, label=label)
    env["PYTHONPATH"] = str(root)
    if env.get("KAFKA_BROKERS"):  # a real cluster: topics of this run only
        env["KAFKA_TOPIC_PREFIX"] = f"{label}-{uuid.uuid4().hex[:8]}."
    env.update(extra)
    system.env = env
    # The consumers as consume_events processes (EVENTS_PROMETHEUS_PORT), tasks run eagerly:
    # what the end-to-end tests scrape and the benches measure.
    argv = [sys.executable, str(root / "manage_all.py"), "up", "--server", server]
    argv += ["--consumers", "commands"]
    if server == "gunicorn":
        argv += ["--workers", str(workers)]
    if not events:
        argv += ["--no-events"]
    argv += ["--ready-timeout", str(READY_TIMEOUT)]
    # Append mode (O_APPEND) for every writer: the processes, and the one-off commands and the
    # demo whose output joins it, so none overwrites another's lines.
    with system.log_path.open("a") as log:
        system.proc = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path
        )
    wait_ready(system)
    return system


def wait_ready(system: System) -> None:
    deadline = time.monotonic() + READY_TIMEOUT + 60
    pending = set(SERVICES)
    while pending:
        if system.proc.poll() is not None:
            raise AssertionError(f"manage_all.py up exited:\n{system.logs()[-6000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready: {sorted(pending)}\n{system.logs()[-6000:]}")
        pending = {service for service in pending if status(system.url(service, "/readyz")) != 200}
        time.sleep(0.5)


def status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def stop(system: System) -> int | None:
    """SIGTERM, as Ctrl-C would: ``up`` stops its children in order."""
    proc = system.proc
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return None


def run_demo(system: System, *, duration: float = 20, rate: float = 8, organizations: int = 2):
    """``manage_all.py demo`` against the system; its output joins the searched log."""
    result = subprocess.run(
        [sys.executable, str(system.root / "manage_all.py"), "demo", "--duration", str(duration),
         "--rate", str(rate), "--organizations", str(organizations)],
        env=system.env, cwd=system.root, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    with system.log_path.open("a") as log:
        log.write(result.stdout + result.stderr)
    return result
