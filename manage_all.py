#!/usr/bin/env python
"""Run a manage.py command in every Wanzo service, or bring all the services up.

    python manage_all.py <manage.py command> [args ...] [--only auth,admin] [--sequential]
    python manage_all.py up [--only ...] [--server runserver|gunicorn] [--workers N]
                            [--no-migrate] [--ready-timeout SECONDS]

A command runs in every chosen service at the same time, one subprocess each with its working
directory in services/<name>; each output line is prefixed with the service's name. A table of
exit codes and durations follows, and the exit status is 1 if any service failed.
``--sequential`` runs them one after the other with the terminal attached instead (for
interactive commands such as ``createsuperuser``). ``--only`` and ``--sequential`` are
recognised anywhere before ``--``; everything after ``--`` goes to manage.py untouched.

``up`` creates each service's ``.env`` from ``.env.example`` with a fresh secret key if it has
none, migrates, starts the servers with their metrics ports, prints a table of URLs once every
``/healthz`` answers, and stops everything on Ctrl-C or SIGTERM (exit status 0), or as soon as
one process dies on its own (exit status 1). Ports come from ``APP_PORT`` / ``PROMETHEUS_PORT``
in the environment, then in the service's ``.env``, then from the defaults below; a value in the
environment applies to every chosen service, so use it with ``--only`` and one service.

Standard library only: the script is the launcher, the services' dependencies are only needed in
the processes it starts (with the same interpreter, normally ``.venv/bin/python``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# Default (app port, metrics port) of each service, in display order.
SERVICES: dict[str, tuple[int, int]] = {
    "admin": (8001, 9464),
    "accounting": (8002, 9465),
    "app_mobile": (8003, 9466),
    "auth": (8004, 9467),
}
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
HOST = "127.0.0.1"
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL
LABEL = "manage_all"


class UsageError(Exception):
    """A mistake on the command line or in the configuration: one line, exit status 2."""


# --- command line -----------------------------------------------------------------------------


@dataclass
class Options:
    command: str
    args: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=lambda: list(SERVICES))
    sequential: bool = False
    server: str = "runserver"
    workers: int | None = None
    migrate: bool = True
    ready_timeout: float = 60.0
    events: bool = True  # dev broker (unless KAFKA_BROKERS is set), consumers and relays
    events_env: dict[str, str] = field(default_factory=dict)  # set once the broker is known


def parse_services(value: str | None) -> list[str]:
    """``--only a,b`` -> the chosen services in canonical order; all of them without it."""
    if value is None:
        return list(SERVICES)
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in SERVICES]
    if unknown or not names:
        given = ", ".join(unknown) or repr(value)
        raise UsageError(f"unknown service(s): {given}; valid: {', '.join(SERVICES)}")
    return [name for name in SERVICES if name in names]


def _split_own_options(argv: list[str]) -> tuple[str | None, bool, list[str]]:
    """Take ``--only`` and ``--sequential`` out of argv; the rest belongs to the command."""
    only, sequential, rest = None, False, []
    items = iter(argv)
    for item in items:
        if item == "--":
            rest.extend(items)
        elif item == "--only":
            only = next(items, None)
            if only is None:
                raise UsageError("--only needs a value, e.g. --only auth,admin")
        elif item.startswith("--only="):
            only = item.partition("=")[2]
        elif item == "--sequential":
            sequential = True
        else:
            rest.append(item)
    return only, sequential, rest


def _up_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage_all.py up", description="Run the services.")
    parser.add_argument("--only", help="comma-separated services (default: all)")
    parser.add_argument("--server", choices=["runserver", "gunicorn"], default="runserver")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: its config's)")
    parser.add_argument("--no-migrate", dest="migrate", action="store_false")
    parser.add_argument("--ready-timeout", type=float, default=60.0, metavar="SECONDS")
    parser.add_argument(
        "--no-events",
        dest="events",
        action="store_false",
        help="no broker, consumers or relays (events stay in the mock transport)",
    )
    return parser


def parse_args(argv: list[str]) -> Options:
    only, sequential, rest = _split_own_options(argv)
    if not rest or rest[0] in {"-h", "--help"}:
        if rest:
            print(__doc__)
            raise SystemExit(0)
        raise UsageError("missing command; see python manage_all.py --help")
    services = parse_services(only)
    if rest[0] != "up":
        return Options(rest[0], rest[1:], services, sequential=sequential)
    if sequential:
        raise UsageError("--sequential is for one-off commands, not for up")
    ns = _up_parser().parse_args(rest[1:])
    if ns.workers is not None and (ns.server != "gunicorn" or ns.workers < 1):
        raise UsageError("--workers needs --server gunicorn and a positive number")
    services = parse_services(ns.only) if ns.only is not None else services
    return Options(
        "up",
        [],
        services,
        server=ns.server,
        workers=ns.workers,
        migrate=ns.migrate,
        ready_timeout=ns.ready_timeout,
    )


# --- .env files and ports ---------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """The subset of the dotenv format our .env files use: KEY=VALUE, comments, quotes."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip().removeprefix("export ").strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if value[:1] in {'"', "'"} and value.endswith(value[0]) and len(value) > 1:
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].strip()
        values[key.strip()] = value
    return values


def _with_secret_key(text: str) -> str:
    """``text`` with DJANGO_SECRET_KEY set to a fresh value (its empty line filled, or added)."""
    line = f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}"
    lines = text.splitlines()
    for index, existing in enumerate(lines):
        if existing.strip().removeprefix("export ").split("=", 1)[0].strip() == "DJANGO_SECRET_KEY":
            lines[index] = line
            return "\n".join(lines) + "\n"
    return "\n".join([*lines, line]) + "\n"


def ensure_env_file(service_dir: Path) -> str | None:
    """Create ``.env`` from ``.env.example`` and give it a secret key if it has none.

    Returns what was done, for the user; never the key itself. The file is private (0600)
    because it holds the key.
    """
    env_path = service_dir / ".env"
    shown = f"services/{service_dir.name}/.env"
    if env_path.exists():
        if read_env_file(env_path).get("DJANGO_SECRET_KEY"):
            return None
        env_path.write_text(_with_secret_key(env_path.read_text()))
        return f"added a fresh DJANGO_SECRET_KEY to {shown}"
    example = service_dir / ".env.example"
    text = example.read_text() if example.exists() else ""
    fd = os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as stream:
        stream.write(_with_secret_key(text))
    return f"created {shown} with a fresh DJANGO_SECRET_KEY"


@dataclass(frozen=True)
class Ports:
    app: int
    metrics: int


def resolve_ports(
    service: str, *, environ: Mapping[str, str], env_file: Mapping[str, str]
) -> Ports:
    """The same precedence as the service's settings: environment, then .env, then default."""
    defaults = dict(zip(("APP_PORT", "PROMETHEUS_PORT"), SERVICES[service], strict=True))
    found = {}
    for name, default in defaults.items():
        raw = environ.get(name) or env_file.get(name) or str(default)
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise UsageError(f"{name} for {service} is not a port number: {raw!r}")
        found[name] = int(raw)
    return Ports(app=found["APP_PORT"], metrics=found["PROMETHEUS_PORT"])


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def check_ports(ports: Mapping[str, Ports]) -> None:
    owners: dict[int, str] = {}
    for service, pair in ports.items():
        for kind, port in (("app", pair.app), ("metrics", pair.metrics)):
            if port in owners:
                raise UsageError(f"port {port} given to both {owners[port]} and {service} {kind}")
            owners[port] = f"{service} {kind}"
            if not port_is_free(port):
                raise UsageError(f"port {port} ({service} {kind}) is already in use")


# --- processes --------------------------------------------------------------------------------


@dataclass
class ProcessSpec:
    """One process to run: a one-off command, or a long-running part of a service."""

    name: str  # output prefix: the service, or "<service>.<role>" for its other processes
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    ready: Callable[[], bool] | None = None  # for `up`: True once the process serves
    stop_last: bool = False  # infrastructure (the broker): stopped after everything using it


def child_env(service: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment, plus what makes a child a process of ``service``.

    DJANGO_SETTINGS_MODULE is forced: a value inherited from the caller (pytest-django sets one)
    would otherwise win over manage.py's setdefault.
    """
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = f"{service}_service.settings"
    env["PYTHONUNBUFFERED"] = "1"  # lines reach the prefixer as they are written
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def manage_py(
    service: str,
    args: list[str],
    *,
    name: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> ProcessSpec:
    cwd = ROOT / "services" / service
    return ProcessSpec(
        name or service, [sys.executable, "manage.py", *args], cwd, child_env(service, extra_env)
    )


@dataclass
class Running:
    spec: ProcessSpec
    proc: subprocess.Popen
    started: float
    reader: threading.Thread
    ended: float | None = None

    @property
    def duration(self) -> float:
        return (self.ended or time.monotonic()) - self.started


class StopSignal:
    """Ctrl-C / SIGTERM: the first asks for a clean stop, the second cuts the grace period."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.forced = threading.Event()
        self.signum = signal.SIGTERM  # the one received, for children that should get the same

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested.is_set():
            self.forced.set()
        self.signum = signal.Signals(signum)
        self.requested.set()


class Supervisor:
    """Starts processes, prefixes their output, notices deaths and stops them all.

    Each child leads its own session, so the terminal's Ctrl-C reaches only us and we stop the
    children in one orderly way: SIGTERM to every process group (a gunicorn master and its
    workers alike), SIGKILL to what is left after the grace period.
    """

    def __init__(self, stop: StopSignal, *, grace: float = STOP_GRACE, out=None) -> None:
        self.stop_signal = stop
        self.grace = grace
        self.out = out or sys.stdout
        self.running: list[Running] = []
        self.width = len(LABEL)
        self._lock = threading.Lock()

    def emit(self, name: str, line: str) -> None:
        with self._lock:
            print(f"{name:<{self.width}} | {line}", file=self.out, flush=True)

    def say(self, text: str) -> None:
        for line in text.splitlines() or [""]:
            self.emit(LABEL, line)

    def start_all(self, specs: list[ProcessSpec]) -> None:
        self.width = max([self.width, *(len(spec.name) for spec in specs)])
        for spec in specs:
            self.start(spec)

    def start(self, spec: ProcessSpec) -> Running:
        proc = subprocess.Popen(
            spec.argv,
            cwd=spec.cwd,
            env=spec.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            text=True,
            errors="replace",
            bufsize=1,
        )
        reader = threading.Thread(target=self._pump, args=(spec.name, proc), daemon=True)
        reader.start()
        running = Running(spec, proc, time.monotonic(), reader)
        self.running.append(running)
        return running

    def _pump(self, name: str, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self.emit(name, line.rstrip("\n"))

    def exited(self) -> list[Running]:
        for item in self.running:
            if item.ended is None and item.proc.poll() is not None:
                item.ended = time.monotonic()
        return [item for item in self.running if item.ended is not None]

    def wait_all(self) -> bool:
        """Wait until every process has exited (True) or a stop was asked for (False)."""
        while len(self.exited()) < len(self.running):
            if self.stop_signal.requested.wait(0.05):
                return False
        self.drain()
        return True

    def watch(self) -> Running | None:
        """Block while everything runs; return the first process that died, None on a stop."""
        while not self.stop_signal.requested.wait(0.2):
            if dead := self.exited():
                return dead[0]
        return None

    def stop(self, signum: int = signal.SIGTERM) -> list[str]:
        """Stop every process (last started first, infrastructure after the processes using
        it, so consumers can commit and leave their group); return those needing SIGKILL."""
        deadline = time.monotonic() + self.grace
        for phase in (False, True):
            items = [item for item in reversed(self.running) if item.spec.stop_last is phase]
            for item in items:
                if item.proc.poll() is None:
                    _signal_group(item.proc, signum)
            while any(item.proc.poll() is None for item in items) and time.monotonic() < deadline:
                if self.stop_signal.forced.wait(0.1):
                    break
        killed = [item.spec.name for item in self.running if item.proc.poll() is None]
        for item in self.running:
            _signal_group(item.proc, signal.SIGKILL)  # also any straggler of an exited leader
            item.proc.wait()
        self.exited()
        self.drain()
        return killed

    def drain(self) -> None:
        for item in self.running:
            item.reader.join(timeout=2)


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _result(code: int | None) -> str:
    if code is None or code >= 0:
        return {None: "running", 0: "ok"}.get(code, "FAILED")
    try:  # killed by a signal: ours on a stop, or a crash
        return signal.Signals(-code).name
    except ValueError:
        return "signal"


def format_results(items: list[Running]) -> str:
    width = max([len("service"), *(len(item.spec.name) for item in items)])
    lines = [f"{'service':<{width}}  result   exit  duration"]
    for item in items:
        code = item.proc.returncode
        result = _result(code)
        shown = "-" if code is None else str(code)
        lines.append(f"{item.spec.name:<{width}}  {result:<7} {shown:>5}  {item.duration:7.1f}s")
    return "\n".join(lines)


def run_batch(specs: list[ProcessSpec], stop: StopSignal) -> tuple[int, str]:
    """Run one-off processes in parallel; return the exit status and the results table."""
    supervisor = Supervisor(stop)
    supervisor.start_all(specs)
    if not supervisor.wait_all():
        # Ctrl-C reaches the children as it would without us: SIGINT lets `manage.py test`
        # tear its test databases down.
        supervisor.stop(stop.signum)
        return 130, format_results(supervisor.running)
    failed = any(item.proc.returncode != 0 for item in supervisor.running)
    return int(failed), format_results(supervisor.running)


def run_sequential(specs: list[ProcessSpec]) -> int:
    """One after the other, attached to the terminal, for interactive commands."""
    status = 0
    for spec in specs:
        print(f"== {spec.name}", flush=True)
        try:
            code = subprocess.run(spec.argv, cwd=spec.cwd, env=spec.env).returncode
        except KeyboardInterrupt:
            return 130
        print(f"== {spec.name}: exit code {code}", flush=True)
        status = status or int(code != 0)
    return status


def run_command(opts: Options) -> int:
    specs = [manage_py(service, [opts.command, *opts.args]) for service in opts.services]
    if opts.sequential:
        return run_sequential(specs)
    stop = StopSignal()
    stop.install()
    status, table = run_batch(specs, stop)
    print(table, flush=True)
    return status


# --- up -----------------------------------------------------------------------------------------


def http_ok(url: str, *, any_status: bool = False) -> bool:
    """True when ``url`` answers 2xx (or anything, with ``any_status``); never via a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=1) as response:
            return 200 <= response.status < 300 or any_status
    except urllib.error.HTTPError:
        return any_status
    except (OSError, ValueError):
        return False


def gunicorn_argv(service: str, ports: Ports, workers: int | None) -> list[str]:
    """The shipped gunicorn config, bound to loopback; ``--workers`` only when asked for.

    Each server gets its own control socket: gunicorn's default path is one per user, so four
    masters would fight over it.
    """
    control = Path(tempfile.gettempdir()) / f"wanzo-gunicorn-{service}-{ports.app}.ctl"
    argv = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)]
    argv += ["--chdir", str(ROOT / "services" / service), f"{service}_service.wsgi:application"]
    argv += ["--bind", f"{HOST}:{ports.app}", "--control-socket", str(control)]
    return argv + (["--workers", str(workers)] if workers else [])


def server_spec(service: str, ports: Ports, opts: Options) -> ProcessSpec:
    extra = {**opts.events_env, "APP_PORT": str(ports.app), "PROMETHEUS_PORT": str(ports.metrics)}
    # runserver --noreload: one process, so the exporter binds once and SIGTERM stops it.
    runserver = ["runserver", f"{HOST}:{ports.app}", "--noreload"]
    spec = manage_py(service, runserver, extra_env=extra)
    if opts.server == "gunicorn":
        spec.argv = gunicorn_argv(service, ports, opts.workers)
    spec.ready = lambda: http_ok(f"http://{HOST}:{ports.app}/healthz")
    return spec


DEVBROKER_ADDRESS = ROOT / "var" / "devbroker.addr"
CONSUMER_METRICS_OFFSET = 200  # consumer of a service: its PROMETHEUS_PORT + 200 (9664, ...)


def shared_specs(opts: Options) -> list[ProcessSpec]:
    """Processes every service needs, started and ready before any service's: the dev broker.

    Apache Kafka cannot run here, so ``up`` runs librdkafka's mock cluster as a process
    (``wanzo_common.events.devbroker``). With ``KAFKA_BROKERS`` set, that broker is used instead.
    """
    if not opts.events:
        return []
    if os.environ.get("KAFKA_BROKERS"):
        opts.events_env = {"USE_KAFKA": "true", "KAFKA_BROKERS": os.environ["KAFKA_BROKERS"]}
        return []
    DEVBROKER_ADDRESS.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "wanzo_common.events.devbroker"]
    argv += ["--address-file", str(DEVBROKER_ADDRESS)]
    spec = ProcessSpec("devbroker", argv, ROOT, child_env("admin"), stop_last=True)

    def ready() -> bool:
        if not DEVBROKER_ADDRESS.exists():
            return False
        address = DEVBROKER_ADDRESS.read_text().strip()
        # KAFKA_DEV_BROKER: client settings that suit the mock cluster (fast group joins, short
        # fetch waits); a real cluster from KAFKA_BROKERS keeps the defaults.
        opts.events_env = {
            "USE_KAFKA": "true",
            "KAFKA_BROKERS": address,
            "KAFKA_DEV_BROKER": "true",
            # Long-running consumers: the classic protocol, as on a real cluster. The mock
            # cluster's KIP-848 groups (fast joins, for tests) redeliver after assignment updates.
            "KAFKA_GROUP_PROTOCOL": "classic",
        }
        return True

    spec.ready = ready
    return [spec]


def service_specs(service: str, ports: Ports, opts: Options) -> list[ProcessSpec]:
    """Every long-running process of one service: its server, then its event consumer and
    outbox relay (same environment, so they reach the same database and broker)."""
    specs = [server_spec(service, ports, opts)]
    if opts.events:
        extra = {**opts.events_env, "PROMETHEUS_PORT": str(ports.metrics)}
        consumer_port = str(ports.metrics + CONSUMER_METRICS_OFFSET)
        consume = ["consume_events", "--metrics-port", consumer_port]
        specs.append(manage_py(service, consume, name=f"{service}.consumer", extra_env=extra))
        specs.append(
            manage_py(service, ["relay_outbox"], name=f"{service}.relay", extra_env=extra)
        )
    return specs


def announce_started(supervisor: Supervisor, opts: Options) -> None:
    """Each service publishes ``system.service_started``; every service's consumer logs the
    others' (see ``<service>_service/handlers.py``): events visibly flow between the four."""
    if not opts.events:
        return
    specs = []
    for service in opts.services:
        data = json.dumps({"service": service, "instanceId": f"{service}-{os.getpid()}"})
        args = ["events", "publish", "system.service_started", "--data", data]
        specs.append(manage_py(service, args, name=f"{service}.announce", extra_env=opts.events_env))
    status, table = run_batch(specs, supervisor.stop_signal)
    if status:
        supervisor.say(f"warning: could not publish system.service_started:\n{table}")


def wait_ready(supervisor: Supervisor, specs: list[ProcessSpec], timeout: float) -> str | None:
    """Poll the specs' readiness probes; return why they are not ready, or None."""
    deadline = time.monotonic() + timeout
    pending = [spec for spec in specs if spec.ready is not None]
    while pending:
        if supervisor.stop_signal.requested.is_set():
            return "stopped before everything was ready"
        if dead := supervisor.exited():
            return f"{dead[0].spec.name} exited with code {dead[0].proc.returncode}"
        pending = [spec for spec in pending if not spec.ready()]
        if pending and time.monotonic() > deadline:
            names = ", ".join(spec.name for spec in pending)
            return f"not ready after {timeout:g}s: {names}"
        supervisor.stop_signal.requested.wait(0.25 if pending else 0)
    return None


def url_table(ports: Mapping[str, Ports]) -> str:
    rows = [("service", "app", "health", "ready", "api", "metrics")]
    for service, pair in ports.items():
        app = f"http://{HOST}:{pair.app}/"
        metrics = f"http://{HOST}:{pair.metrics}/metrics"
        rows.append((service, app, app + "healthz", app + "readyz", app + "api/", metrics))
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def prepare(opts: Options) -> dict[str, Ports]:
    """Everything `up` checks and writes before it starts a process."""
    if opts.server == "gunicorn" and not GUNICORN_CONF.exists():
        raise UsageError(f"{GUNICORN_CONF.relative_to(ROOT)} not found; use --server runserver")
    ports = {}
    for service in opts.services:
        service_dir = ROOT / "services" / service
        if note := ensure_env_file(service_dir):
            print(f"{service}: {note}", flush=True)
        ports[service] = resolve_ports(
            service, environ=os.environ, env_file=read_env_file(service_dir / ".env")
        )
    check_ports(ports)
    return ports


def up(opts: Options) -> int:
    ports = prepare(opts)
    stop = StopSignal()
    stop.install()
    if opts.migrate:
        specs = [manage_py(service, ["migrate", "--noinput"]) for service in opts.services]
        status, table = run_batch(specs, stop)
        if status:
            print(f"migrate did not complete:\n{table}", flush=True)
            return 0 if stop.requested.is_set() else status
    supervisor = Supervisor(stop)
    return serve(supervisor, opts, ports)


def serve(supervisor: Supervisor, opts: Options, ports: Mapping[str, Ports]) -> int:
    """Start the shared processes, then every service's; run until a stop or a death."""
    supervisor.width = max(len(LABEL), *(len(f"{s}.consumer") for s in ports))
    groups = [
        lambda: shared_specs(opts),
        # Built after the broker is ready: the services' environment carries its address.
        lambda: [spec for service in ports for spec in service_specs(service, ports[service], opts)],
    ]
    for make_specs in groups:
        specs = make_specs()
        supervisor.start_all(specs)
        if problem := wait_ready(supervisor, specs, opts.ready_timeout):
            return shutdown(supervisor, problem=problem)
    announce(supervisor, ports)
    announce_started(supervisor, opts)
    return shutdown(supervisor, dead=supervisor.watch())


def announce(supervisor: Supervisor, ports: Mapping[str, Ports]) -> None:
    supervisor.say("ready; Ctrl-C stops everything\n" + url_table(ports))
    for service, pair in ports.items():
        if not http_ok(f"http://{HOST}:{pair.metrics}/metrics", any_status=True):
            supervisor.say(f"warning: {service} metrics port {pair.metrics} does not answer")


def shutdown(
    supervisor: Supervisor, *, problem: str | None = None, dead: Running | None = None
) -> int:
    """Stop everything; 0 only for a stop that was asked for and went cleanly."""
    asked = supervisor.stop_signal.requested.is_set()
    if dead is not None:
        code = dead.proc.returncode
        supervisor.say(f"{dead.spec.name} exited unexpectedly (code {code}); stopping the others")
    elif problem and not asked:
        supervisor.say(f"error: {problem}; stopping")
    killed = supervisor.stop()
    if killed:
        supervisor.say(f"killed after {supervisor.grace:.0f}s: {', '.join(killed)}")
    clean = dead is None and not killed and (problem is None or asked)
    supervisor.say("stopped" if clean else "stopped, with errors")
    return 0 if clean else 1


def main(argv: list[str] | None = None) -> int:
    try:
        opts = parse_args(sys.argv[1:] if argv is None else argv)
        return up(opts) if opts.command == "up" else run_command(opts)
    except UsageError as exc:
        print(f"manage_all.py: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
