"""The four services, as ``manage_all.py up`` runs them, but restarted when they die.

``up`` stops everything when one process dies, which is right for a developer and wrong for a
soak that kills processes on purpose. So the soak builds the very same processes (the
devserver's :class:`~wanzo_common.devserver.topology.Topology`: gunicorn with two workers, the
event consumer and the outbox relay of each service, in a copy of the repo made by the e2e
sandbox) and keeps them running as a process manager would (systemd's ``Restart=always``,
Kubernetes' ``restartPolicy: Always``): a process that exits is started again after a second.
Gunicorn restarts its own workers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from wanzo_common.devserver import run as devrun
from wanzo_common.devserver.cli import Options
from wanzo_common.devserver.readiness import http_ok
from wanzo_common.devserver.sandbox import copy_of_repo, free_ports
from wanzo_common.devserver.supervisor import ProcessSpec, StopSignal, Supervisor
from wanzo_common.devserver.topology import MOCK_OPT_IN, Topology
from wanzo_common.ports import SERVICES

RESTART_DELAY = 1.0


@dataclass
class Managed:
    """One long-running process and how often it was (re)started."""

    spec: ProcessSpec
    proc: subprocess.Popen | None = None
    starts: int = 0
    held: bool = False  # stopped on purpose: not restarted by the watchdog
    exited_at: float | None = None


@dataclass
class ChaosSystem:
    root: Path
    log_path: Path
    env: dict[str, str]
    app_ports: dict[str, int]
    metrics_ports: dict[str, int]
    processes: dict[str, Managed] = field(default_factory=dict)
    epochs: dict[str, int] = field(default_factory=dict)  # server starts per service
    restarts: int = 0
    exits: list[tuple[str, int]] = field(default_factory=list)  # (process, exit code)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _supervisor: Supervisor | None = None
    _watchdog: threading.Thread | None = None

    def url(self, service: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.app_ports[service]}{path}"

    # --- processes ------------------------------------------------------------------------

    def start_process(self, name: str) -> None:
        item = self.processes[name]
        item.proc = self._supervisor.start(item.spec).proc
        item.starts += 1
        item.exited_at = None
        if name in SERVICES:
            self.epochs[name] = self.epochs.get(name, 0) + 1

    def pid(self, name: str) -> int | None:
        item = self.processes[name]
        return item.proc.pid if item.proc and item.proc.poll() is None else None

    def gunicorn_workers(self, service: str) -> list[int]:
        master = self.pid(service)
        if master is None:
            return []
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def kill(self, name: str, signum: int = signal.SIGKILL) -> int | None:
        """Signal one process (its leader only); the watchdog starts it again."""
        pid = self.pid(name)
        if pid is not None:
            os.kill(pid, signum)
        return pid

    def stop_service(self, service: str, timeout: float = 40) -> None:
        """SIGTERM to each process group of the service, as a deployment would; held down."""
        names = [name for name in self.processes if name.split(".")[0] == service]
        with self._lock:
            for name in names:
                self.processes[name].held = True
        for name in names:
            proc = self.processes[name].proc
            if proc and proc.poll() is None:
                _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name in names:
            proc = self.processes[name].proc
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()

    def start_service(self, service: str) -> None:
        names = [name for name in self.processes if name.split(".")[0] == service]
        with self._lock:
            for name in names:
                self.start_process(name)
                self.processes[name].held = False
        self.wait_healthy([service])

    def wait_healthy(self, services, timeout: float = 180) -> None:
        """/healthz of each service answers (not counted by the checker: it counts api/ routes)."""
        deadline = time.monotonic() + timeout
        pending = list(services)
        while pending and time.monotonic() < deadline:
            pending = [s for s in pending if not http_ok(self.url(s, "/healthz"))]
            time.sleep(0.3)
        if pending:
            raise RuntimeError(f"not healthy: {pending}")

    def _watch(self) -> None:
        while not self._stop.wait(0.3):
            with self._lock:
                for name, item in self.processes.items():
                    if item.held or item.proc is None or item.proc.poll() is None:
                        continue
                    now = time.monotonic()
                    if item.exited_at is None:
                        item.exited_at = now
                        code = item.proc.returncode
                        self._supervisor.say(f"{name} exited ({code}); starting it again")
                        self.exits.append((name, code))
                        _signal_group(item.proc.pid, signal.SIGKILL)  # leftovers of the group
                    elif now - item.exited_at >= RESTART_DELAY:
                        self.restarts += 1
                        self.start_process(name)

    def all_running(self) -> bool:
        return all(item.proc and item.proc.poll() is None for item in self.processes.values())

    def shutdown(self) -> None:
        self._stop.set()
        if self._watchdog:
            self._watchdog.join(timeout=5)
        for item in self.processes.values():
            if item.proc and item.proc.poll() is None:
                _signal_group(item.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for item in self.processes.values():
            if item.proc is None:
                continue
            try:
                item.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(item.proc.pid, signal.SIGKILL)
        if self._supervisor:
            self._supervisor.drain()


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def start_system(
    tmp: Path, *, database_url: str, kafka: str, extra_env: dict[str, str] | None = None,
    workers: int = 2,
) -> ChaosSystem:  # fmt: skip
    """Copy the repo, migrate, start every service's processes; return once all are healthy."""
    root = copy_of_repo(tmp / "repo")
    ports = free_ports(4 * len(SERVICES))
    app = dict(zip(SERVICES, ports[0::4], strict=True))
    metrics = dict(zip(SERVICES, ports[1::4], strict=True))
    events = dict(zip(SERVICES, ports[2::4], strict=True))
    relays = dict(zip(SERVICES, ports[3::4], strict=True))
    for service in SERVICES:
        (root / "services" / service / ".env").write_text(
            f"APP_PORT={app[service]}\nPROMETHEUS_PORT={metrics[service]}\n"
            f"EVENTS_PROMETHEUS_PORT={events[service]}\nRELAY_PROMETHEUS_PORT={relays[service]}\n"
        )
    # consume_events processes (the nemesis kills <service>.consumer), as the e2e sandbox runs.
    opts = Options(command="up", server="gunicorn", workers=workers, consumers="commands")
    service_ports = devrun.prepare(opts, root=root)
    env = {
        "DATABASE_URL": database_url, "USE_KAFKA": "true", "KAFKA_BROKERS": kafka,
        "KAFKA_GROUP_PROTOCOL": "classic", "WANZO_METRICS_DIR": str(tmp / "metrics"),
        **(extra_env or {}),
    }  # fmt: skip
    (tmp / "metrics").mkdir(exist_ok=True)
    topology = Topology(root, opts)
    topology.broker_env = {"USE_KAFKA": "true", "KAFKA_BROKERS": kafka}
    log_path = tmp / "system.log"
    system = ChaosSystem(root=root, log_path=log_path, env={}, app_ports=app, metrics_ports=metrics)

    def prepared(spec: ProcessSpec) -> ProcessSpec:
        for name in ("PROMETHEUS_MULTIPROC_DIR", "KAFKA_TOPIC_PREFIX"):
            spec.env.pop(name, None)
        spec.env.update(env)
        spec.env["PYTHONPATH"] = os.pathsep.join(
            [str(root), *filter(None, [extra_env and extra_env.get("PYTHONPATH")])]
        )
        return spec

    for service in SERVICES:
        spec = prepared(
            topology.manage_py(service, ["migrate", "--noinput"], extra_env=MOCK_OPT_IN)
        )
        result = subprocess.run(spec.argv, cwd=spec.cwd, env=spec.env, capture_output=True,
                                text=True, timeout=300)  # fmt: skip
        if result.returncode:
            raise RuntimeError(f"migrate {service} failed:\n{result.stderr[-3000:]}")
    system.env = prepared(topology.manage_py("auth", ["check"])).env
    out = log_path.open("a")
    system._supervisor = Supervisor(StopSignal(), out=out)
    system._supervisor.width = 20
    for service, pair in service_ports.items():
        for spec in topology.service(service, pair):
            system.processes[spec.name] = Managed(prepared(spec))
    with system._lock:
        for name in system.processes:
            system.start_process(name)
    system._watchdog = threading.Thread(target=system._watch, daemon=True)
    system._watchdog.start()
    system.wait_healthy(SERVICES)
    return system


def manage(system: ChaosSystem, service: str, *args: str, env: dict | None = None) -> str:
    """A one-off manage.py command of ``service`` (publishing through the outbox)."""
    child = {**system.env, "DJANGO_SETTINGS_MODULE": f"{service}_service.settings",
             **MOCK_OPT_IN, **(env or {})}  # fmt: skip
    result = subprocess.run(
        [os.environ.get("PYTHON", _python()), "manage.py", *args],
        cwd=system.root / "services" / service, env=child, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    if result.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def _python() -> str:
    import sys

    return sys.executable
