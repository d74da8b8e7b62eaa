"""The two things ``manage_all.py`` does: a manage.py command in every service, and ``up``.

``up`` checks and writes everything first (``.env`` files, ports), migrates, then starts in
stages (the broker, then each service's roles: server, worker, relay, beat), announces the URLs
once every ``/healthz`` answers, and runs until a stop is asked for (exit status 0) or a process
dies on its own (exit status 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from wanzo_common.api.keys import write_dev_key_pair
from wanzo_common.devserver.cli import Options, UsageError
from wanzo_common.devserver.envfile import ensure_env_file
from wanzo_common.devserver.portcheck import HOST, check_ports, resolve_ports
from wanzo_common.devserver.readiness import http_ok, wait_ready
from wanzo_common.devserver.supervisor import (
    LABEL,
    Running,
    StopSignal,
    Supervisor,
    run_batch,
    run_sequential,
)
from wanzo_common.devserver.topology import MOCK_OPT_IN, Topology
from wanzo_common.env import Env
from wanzo_common.ports import ServicePorts


def run_command(opts: Options, *, root: Path) -> int:
    topology = Topology(root, opts)
    specs = [topology.manage_py(service, [opts.command, *opts.args]) for service in opts.services]
    if opts.sequential:
        return run_sequential(specs)
    stop = StopSignal()
    stop.install()
    status, table = run_batch(specs, stop)
    print(table, flush=True)
    return status


# auth under `up`: its e-mails (sign-up notices, password resets) on the console, and login
# rates for one machine where every client (the demo, the apps, the tests) is 127.0.0.1; the
# lockout per (address, client) is the production one (ADR 0014). Each only if .env has none.
AUTH_DEV_DEFAULTS = {
    "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    "AUTH_THROTTLE_LOGIN_IP": "600/minute",
    "AUTH_THROTTLE_LOGIN_ACCOUNT": "120/minute",
    "AUTH_THROTTLE_REGISTER_IP": "200/hour",
}


def prepare(opts: Options, *, root: Path) -> dict[str, ServicePorts]:
    """Everything `up` checks and writes before it starts a process."""
    topology = Topology(root, opts)
    if opts.server == "gunicorn" and not topology.gunicorn_conf.exists():
        shown = topology.gunicorn_conf.relative_to(root)
        raise UsageError(f"{shown} not found; use --server runserver")
    write_env_files(opts.services, root=root)
    topology.check_celery_brokers()
    ports = {
        service: resolve_ports(service, env=Env(root / "services" / service / ".env"))
        for service in opts.services
    }
    check_ports(ports, kinds=topology.port_kinds())
    return ports


def write_env_files(services: list[str], *, root: Path) -> None:
    """The development key pair, and each service's ``.env`` (created, or completed)."""
    private_key, public_key = write_dev_key_pair(root / "var" / "jwt")
    for service in services:
        keys = {"JWT_PUBLIC_KEY_FILE": str(public_key)}
        if service == "auth":  # only the service that issues tokens holds the private key
            keys["JWT_PRIVATE_KEY_FILE"] = str(private_key)
            keys.update(AUTH_DEV_DEFAULTS)
        if note := ensure_env_file(root / "services" / service, defaults=keys):
            print(f"{service}: {note}", flush=True)


def up(opts: Options, *, root: Path) -> int:
    ports = prepare(opts, root=root)
    stop = StopSignal()
    stop.install()
    topology = Topology(root, opts)
    if opts.migrate:
        specs = [
            topology.manage_py(service, ["migrate", "--noinput"], extra_env=MOCK_OPT_IN)
            for service in opts.services
        ]
        status, table = run_batch(specs, stop)
        if status:
            print(f"migrate did not complete:\n{table}", flush=True)
            return 0 if stop.requested.is_set() else status
    return serve(Supervisor(stop), topology, ports)


def serve(supervisor: Supervisor, topology: Topology, ports: Mapping[str, ServicePorts]) -> int:
    """Start the broker, then every service's processes; run until a stop or a death."""
    supervisor.width = max(len(LABEL), *(len(f"{s}.consumer") for s in ports))
    stages = [
        topology.broker,
        # Built after the broker is ready: the services' environment carries its address.
        lambda: [spec for name, pair in ports.items() for spec in topology.service(name, pair)],
    ]
    for make_specs in stages:
        specs = make_specs()
        supervisor.start_all(specs)
        if problem := wait_ready(supervisor, specs, topology.opts.ready_timeout):
            return shutdown(supervisor, problem=problem)
    announce(supervisor, ports, consumer_kind=topology.port_kinds()[2:])
    if announcements := topology.announcements():
        status, table = run_batch(announcements, supervisor.stop_signal)
        if status:
            supervisor.say(f"warning: could not publish system.service_started:\n{table}")
    return shutdown(supervisor, dead=supervisor.watch())


# The columns of the consumer host's and the relay's metrics, by their ServicePorts field.
CONSUMER_COLUMN = {
    "celery": "worker metrics", "events": "consumer metrics", "relay": "relay metrics",
}


def url_table(ports: Mapping[str, ServicePorts], consumer_kind: tuple[str, ...] = ()) -> str:
    """One row per service; ``consumer_kind`` (``("celery",)``...) adds its consumer's port."""
    rows = [("service", "app", "health", "ready", "api", "metrics")]
    rows[0] += tuple(CONSUMER_COLUMN[kind] for kind in consumer_kind)
    for service, pair in ports.items():
        app = f"http://{HOST}:{pair.app}/"
        metrics = f"http://{HOST}:{pair.metrics}/metrics"
        row = (service, app, app + "healthz", app + "readyz", app + "api/", metrics)
        row += tuple(f"http://{HOST}:{getattr(pair, kind)}/metrics" for kind in consumer_kind)
        rows.append(row)
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def announce(
    supervisor: Supervisor, ports: Mapping[str, ServicePorts], consumer_kind: tuple[str, ...] = ()
) -> None:
    supervisor.say("ready; Ctrl-C stops everything\n" + url_table(ports, consumer_kind))
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
