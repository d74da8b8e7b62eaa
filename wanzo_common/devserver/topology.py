"""What ``up`` runs: the dev broker, then per service its server, event consumer and relay.

Apache Kafka cannot run on every development machine, so ``up`` runs librdkafka's mock cluster
as a process (``wanzo_common.events.devbroker``) unless ``KAFKA_BROKERS`` names a real one. Once
it is ready, every service process gets the broker's address in its environment; each service's
consumer and relay use the same environment as its server, so they reach the same database and
broker. After start-up each service publishes ``system.service_started``, which the other
services' consumers log: events visibly flow between them.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wanzo_common.devserver.cli import Options
from wanzo_common.devserver.portcheck import HOST
from wanzo_common.devserver.readiness import http_ok
from wanzo_common.devserver.supervisor import ProcessSpec
from wanzo_common.ports import ServicePorts

# Client settings for the dev broker (KAFKA_DEV_BROKER: fast fetch waits, topics created by
# naming them). Long-running consumers use the classic group protocol, as on a real cluster:
# the mock cluster's KIP-848 groups (fast joins, for tests) redeliver after assignment updates.
DEV_BROKER_ENV = {"KAFKA_DEV_BROKER": "true", "KAFKA_GROUP_PROTOCOL": "classic"}
# Processes that run on the in-memory mock transport by design, which the system checks refuse
# with DEBUG false unless opted in (wanzo_events.E006): `migrate`, started before the broker and
# publishing nothing, and every process of `up --no-events`, a demo without events.
MOCK_OPT_IN = {"EVENTS_ALLOW_MOCK": "true"}


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

    def service(self, service: str, ports: ServicePorts) -> list[ProcessSpec]:
        """Every long-running process of one service: its server, consumer and relay."""
        specs = [self.server(service, ports)]
        if self.opts.events:
            extra = {**self.broker_env, "PROMETHEUS_PORT": str(ports.metrics)}
            consume = ["consume_events", "--metrics-port", str(ports.events)]
            relay = ["relay_outbox", "--metrics-port", str(ports.relay)]
            for role, args in (("consumer", consume), ("relay", relay)):
                name = f"{service}.{role}"
                specs.append(self.manage_py(service, args, name=name, extra_env=extra))
        return specs

    def server(self, service: str, ports: ServicePorts) -> ProcessSpec:
        extra = {**self.broker_env, "APP_PORT": str(ports.app)}
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
