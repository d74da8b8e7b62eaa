"""What ``up`` runs: the dev broker, then per service the roles compose runs (deploy/).

Per service: its server, a Celery worker hosting its event consumer (metrics on
``CELERY_PROMETHEUS_PORT``), its outbox relay and, where the service has periodic tasks of its
own (:data:`BEAT`), Celery beat. ``--consumers commands`` runs the consumer as a
``consume_events`` process instead (metrics on ``EVENTS_PROMETHEUS_PORT``), with no worker or
beat and tasks run eagerly: the shape the end-to-end sandbox and the benches use.

Apache Kafka cannot run on every development machine, so ``up`` runs librdkafka's mock cluster
as a process (``wanzo_common.events.devbroker``) unless ``KAFKA_BROKERS`` names a real one. Once
it is ready, every service process gets the broker's address in its environment; all of a
service's processes share one environment, so they reach the same database and brokers. Celery's
broker is the service's ``CELERY_BROKER_URL`` (Redis, say) when set; else kombu's filesystem
transport in ``var/celery/<service>/``, which needs no server and no extra package. After
start-up each service publishes ``system.service_started``, which the other services' consumers
log: events visibly flow between them.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wanzo_common.devserver.cli import Options, UsageError
from wanzo_common.devserver.portcheck import HOST
from wanzo_common.devserver.readiness import http_ok
from wanzo_common.devserver.supervisor import ProcessSpec
from wanzo_common.env import Env
from wanzo_common.ports import ServicePorts

# Client settings for the dev broker (KAFKA_DEV_BROKER: fast fetch waits, topics created by
# naming them). Long-running consumers use the classic group protocol, as on a real cluster:
# the mock cluster's KIP-848 groups (fast joins, for tests) redeliver after assignment updates.
DEV_BROKER_ENV = {"KAFKA_DEV_BROKER": "true", "KAFKA_GROUP_PROTOCOL": "classic"}
# Processes that run on the in-memory mock transport by design, which the system checks refuse
# with DEBUG false unless opted in (wanzo_events.E006): `migrate`, started before the broker and
# publishing nothing, and every process of `up --no-events`, a demo without events.
MOCK_OPT_IN = {"EVENTS_ALLOW_MOCK": "true"}
# The services whose CELERY_BEAT_SCHEDULE has tasks of their own: admin's subscription expiry,
# auth's refresh-token flush. The others' schedules hold only the events' outbox relay (which the
# relay process does) and hourly pruning, which a development run can do without.
BEAT = ("admin", "auth")


def child_env(root: Path, service: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment, plus what makes a child a process of ``service``.

    DJANGO_SETTINGS_MODULE is forced: a value inherited from the caller (pytest-django sets one)
    would otherwise win over manage.py's setdefault.
    """
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = f"{service}_service.settings"
    env["PYTHONUNBUFFERED"] = "1"  # lines reach the prefixer as they are written
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


@dataclass
class Topology:
    """The processes of one ``manage_all.py`` run in the checkout at ``root``."""

    root: Path
    opts: Options
    broker_env: dict[str, str] = field(default_factory=dict)  # known once the broker is ready

    @property
    def gunicorn_conf(self) -> Path:
        return self.root / "deploy" / "gunicorn.conf.py"

    @property
    def devbroker_address(self) -> Path:
        return self.root / "var" / "devbroker.addr"

    def manage_py(
        self,
        service: str,
        args: list[str],
        *,
        name: str | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> ProcessSpec:
        argv = [sys.executable, "manage.py", *args]
        env = child_env(self.root, service, extra_env)
        return ProcessSpec(name or service, argv, self.root / "services" / service, env)

    def broker(self) -> list[ProcessSpec]:
        """Processes every service needs, ready before any service starts: the dev broker."""
        if not self.opts.events:
            return []
        if os.environ.get("KAFKA_BROKERS"):
            self.broker_env = {"USE_KAFKA": "true", "KAFKA_BROKERS": os.environ["KAFKA_BROKERS"]}
            return []
        address_file = self.devbroker_address
        address_file.unlink(missing_ok=True)
        argv = [sys.executable, "-m", "wanzo_common.events.devbroker"]
        argv += ["--address-file", str(address_file)]
        env = child_env(self.root, "admin")
        spec = ProcessSpec("devbroker", argv, self.root, env, stop_last=True)

        def ready() -> bool:
            if not address_file.exists():
                return False
            address = address_file.read_text().strip()
            self.broker_env = {"USE_KAFKA": "true", "KAFKA_BROKERS": address, **DEV_BROKER_ENV}
            return True

        spec.ready = ready
        return [spec]

    @property
    def workers(self) -> bool:
        """Consumers in Celery workers (with beat and a real Celery broker), as deployed."""
        return self.opts.events and self.opts.consumers == "workers"

    def port_kinds(self) -> tuple[str, ...]:
        """The :class:`ServicePorts` fields this run binds."""
        if not self.opts.events:
            return ("app", "metrics")
        return ("app", "metrics", "celery" if self.workers else "events", "relay")

    def service(self, service: str, ports: ServicePorts) -> list[ProcessSpec]:
        """Every long-running process of one service: server, consumer host, relay, beat."""
        specs = [self.server(service, ports)]
        if not self.opts.events:
            return specs
        extra = {**self.broker_env, **self.celery_env(service)}
        extra["PROMETHEUS_PORT"] = str(ports.metrics)
        if self.workers:
            specs.append(self.worker(service, ports, extra))
        else:
            consume = ["consume_events", "--metrics-port", str(ports.events)]
            specs.append(
                self.manage_py(service, consume, name=f"{service}.consumer", extra_env=extra)
            )
        relay = ["relay_outbox", "--metrics-port", str(ports.relay)]
        specs.append(self.manage_py(service, relay, name=f"{service}.relay", extra_env=extra))
        if self.workers and service in BEAT:
            specs.append(self.beat(service, extra))
        return specs

    def celery_dir(self, service: str) -> Path:
        return self.root / "var" / "celery" / service

    def celery_env(self, service: str) -> dict[str, str]:
        """Celery's broker for the service's processes: none (tasks run eagerly) without
        workers; the service's own ``CELERY_BROKER_URL`` (environment, then .env) if it has
        one; else the filesystem transport in ``var/celery/<service>/`` (folders made here)."""
        if not self.workers:
            return {}
        if Env(self.root / "services" / service / ".env").str("CELERY_BROKER_URL"):
            return {}
        folder = self.celery_dir(service) / "broker"
        for sub in ("messages", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return {"CELERY_BROKER_URL": "filesystem://", "CELERY_BROKER_FOLDER": str(folder)}

    def check_celery_brokers(self) -> None:
        """Refuse one ``CELERY_BROKER_URL`` for several services: all would read the same
        ``celery`` queue, and a worker would take the others' tasks (compose gives each service
        a Redis database of its own)."""
        if not self.workers:
            return
        owners: dict[str, str] = {}
        for service in self.opts.services:
            url = Env(self.root / "services" / service / ".env").str("CELERY_BROKER_URL")
            if url and url in owners:
                raise UsageError(
                    f"{owners[url]} and {service} have the same CELERY_BROKER_URL; give each "
                    "service its own (a Redis database number each, in its .env)"
                )
            owners[url or service] = service

    def celery(
        self, service: str, args: list[str], *, name: str, extra: Mapping[str, str]
    ) -> ProcessSpec:
        spec = self.manage_py(service, [], name=name, extra_env=extra)
        spec.argv = [sys.executable, "-m", "celery", "-A", f"{service}_service", *args]
        spec.signal_leader = True
        return spec

    def worker(self, service: str, ports: ServicePorts, extra: Mapping[str, str]) -> ProcessSpec:
        """A Celery worker hosting the consumer, as the image's ``worker`` role; one pool
        process unless ``CELERY_CONCURRENCY`` says otherwise (a laptop runs four of them)."""
        concurrency = os.environ.get("CELERY_CONCURRENCY", "1")
        args = ["worker", "--loglevel", "INFO", "--concurrency", concurrency]
        args += ["--hostname", f"{service}@%h", "--events-consumer"]
        env = {**extra, "CELERY_PROMETHEUS_PORT": str(ports.celery)}
        spec = self.celery(service, args, name=f"{service}.worker", extra=env)
        spec.ready = lambda: http_ok(f"http://{HOST}:{ports.celery}/metrics", any_status=True)
        return spec

    def beat(self, service: str, extra: Mapping[str, str]) -> ProcessSpec:
        """Celery beat without the every-second relay task: the relay process is the one relay
        (two would contend for SQLite's write lock, ADR 0004, and log every second)."""
        schedule = self.celery_dir(service) / "beat-schedule"
        schedule.parent.mkdir(parents=True, exist_ok=True)
        args = ["beat", "--loglevel", "INFO", "--schedule", str(schedule)]
        env = {**extra, "EVENTS_RELAY_BEAT": "false"}
        return self.celery(service, args, name=f"{service}.beat", extra=env)

    def server(self, service: str, ports: ServicePorts) -> ProcessSpec:
        extra = {**self.broker_env, **self.celery_env(service), "APP_PORT": str(ports.app)}
        extra["PROMETHEUS_PORT"] = str(ports.metrics)
        if not self.opts.events:
            extra.update(MOCK_OPT_IN)
        # runserver --noreload: one process, so the exporter binds once and SIGTERM stops it.
        runserver = ["runserver", f"{HOST}:{ports.app}", "--noreload"]
        spec = self.manage_py(service, runserver, extra_env=extra)
        if self.opts.server == "gunicorn":
            spec.argv = self.gunicorn_argv(service, ports)
        spec.ready = lambda: http_ok(f"http://{HOST}:{ports.app}/healthz")
        return spec

    def gunicorn_argv(self, service: str, ports: ServicePorts) -> list[str]:
        """The shipped gunicorn config, bound to loopback; ``--workers`` only when asked for.

        Each server gets its own control socket: gunicorn's default path is one per user, so
        four masters would fight over it.
        """
        control = Path(tempfile.gettempdir()) / f"wanzo-gunicorn-{service}-{ports.app}.ctl"
        argv = [sys.executable, "-m", "gunicorn", "-c", str(self.gunicorn_conf)]
        argv += ["--chdir", str(self.root / "services" / service)]
        argv += [f"{service}_service.wsgi:application"]
        argv += ["--bind", f"{HOST}:{ports.app}", "--control-socket", str(control)]
        workers = self.opts.workers
        return argv + (["--workers", str(workers)] if workers else [])

    def announcements(self) -> list[ProcessSpec]:
        """One-off ``events publish system.service_started`` per service, through its outbox."""
        if not self.opts.events:
            return []
        specs = []
        for service in self.opts.services:
            data = json.dumps({"service": service, "instanceId": f"{service}-{os.getpid()}"})
            args = ["events", "publish", "system.service_started", "--data", data]
            name = f"{service}.announce"
            specs.append(self.manage_py(service, args, name=name, extra_env=self.broker_env))
        return specs
