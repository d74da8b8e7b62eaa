"""Every role of the image, run by podman against this machine's PostgreSQL, Redis and Kafka.

Run by ``deploy/containers/smoke.sh`` once the image is built; exits non-zero at the first
failed check, with the failing container's log. Containers share the host's network (the
host's PostgreSQL and Redis listen on loopback only), so every port is set to this run's range
(``SMOKE_PORT_BASE``, default 19500). What it proves, per role:

- ``migrate`` (admin, accounting, auth): exits 0 on fresh databases;
- ``web`` (auth, 3 gunicorn workers): ``/healthz``, ``/readyz`` (the database and Kafka answer),
  metrics on its own port, and ``http_requests_total`` moved by exactly the requests sent;
- ``relay`` (auth), ``worker`` (admin, hosting the consumer): a user registered at auth's web
  crosses auth's outbox, the relay, Kafka and admin's worker, and moves the worker's
  ``kafka_events_consumed_total{type="user.created",outcome="handled"}``;
- ``consumer`` (accounting), ``beat`` (admin): they run and stay up;
- every long-running role: PID 1 runs as uid 10001 on a read-only root filesystem, the image's
  HEALTHCHECK answers (``podman healthcheck run``), and SIGTERM stops it within 10 s, exit 0.

Needs only the standard library and prometheus_client (the project's venv).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

IMAGE = os.environ.get("WANZO_IMAGE", "localhost/wanzo:smoke")
BASE = int(os.environ.get("SMOKE_PORT_BASE", "19500"))
PG = os.environ.get("SMOKE_PG", "postgres@127.0.0.1:5432")
DB_PREFIX = os.environ.get("SMOKE_DB_PREFIX", "containers_smoke")
REDIS = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/5")
KAFKA = os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092")
PREFIX = "smoke-"
STOP_WITHIN = 10.0
UID = "10001"
# Per service: app, metrics, Celery metrics, consumer metrics ports (base + offsets).
PORTS = {"admin": 1, "accounting": 2, "auth": 4}
REQUESTS = 40


def ports(service: str) -> dict[str, str]:
    n = BASE + PORTS[service]
    return {
        "APP_PORT": str(n),
        "PROMETHEUS_PORT": str(n + 10),
        "CELERY_PROMETHEUS_PORT": str(n + 20),
        "EVENTS_PROMETHEUS_PORT": str(n + 30),
        "RELAY_PROMETHEUS_PORT": str(n + 40),
    }


def say(text: str) -> None:
    print(f"smoke: {text}", flush=True)


def fail(text: str, container: str | None = None) -> None:
    if container:
        logs = podman("logs", "--tail", "60", container, check=False)
        text += f"\n--- {container} log ---\n{logs.stdout}{logs.stderr}"
    say(f"FAILED: {text}")
    sys.exit(1)


def podman(*args: str, check: bool = True, env: dict | None = None, timeout: float = 300):
    result = subprocess.run(
        ["podman", *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if check and result.returncode:
        fail(f"podman {' '.join(args[:3])}: {result.stderr.strip()[-2000:]}")
    return result


def service_env(service: str, keys: dict[str, str], topic_prefix: str) -> dict[str, str]:
    """What compose gives a service's containers, pointed at this machine's parts."""
    env = {
        "SERVICE": service,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DATABASE_URL": f"postgres://{PG}/{DB_PREFIX}_{{service}}",
        "PGPASSWORD": os.environ.get("PGPASSWORD", ""),
        "JWT_PUBLIC_KEY": keys["JWT_PUBLIC_KEY"],
        "USE_KAFKA": "true",
        "KAFKA_BROKERS": KAFKA,
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "KAFKA_TOPIC_PARTITIONS": "2",
        "KAFKA_REPLICATION_FACTOR": "1",
        "CELERY_BROKER_URL": REDIS,
        "CELERY_CONCURRENCY": "1",
        "GUNICORN_WORKERS": "3",
        "PROMETHEUS_BIND_ADDRESS": "127.0.0.1",
        **ports(service),
    }
    if service == "auth":
        env["JWT_PRIVATE_KEY"] = keys["JWT_PRIVATE_KEY"]
    return env


def run_args(name: str, env: dict[str, str]) -> list[str]:
    """The hardening compose applies; values pass by name (-e NAME), never on a command line."""
    args = ["--name", name, "--network", "host", "--read-only", "--tmpfs", "/tmp",
            "--security-opt", "no-new-privileges", "--cap-drop", "ALL"]  # fmt: skip
    for variable in env:
        args += ["-e", variable]
    return args


def start(role: str, service: str, env: dict[str, str]) -> str:
    name = f"{PREFIX}{service}-{role}"
    podman("rm", "-f", name, check=False)
    podman("run", "-d", *run_args(name, env), IMAGE, role, env={**os.environ, **env})
    return name


def migrate(service: str, env: dict[str, str]) -> None:
    name = f"{PREFIX}{service}-migrate"
    podman("rm", "-f", name, check=False)
    result = podman("run", *run_args(name, env), IMAGE, "migrate", check=False,
                    env={**os.environ, **env})  # fmt: skip
    if result.returncode:
        fail(f"migrate {service} exited {result.returncode}:\n{result.stderr[-3000:]}")
    podman("rm", name, check=False)
    say(f"migrate {service}: exit 0")


def wait(what: str, condition, container: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        state = podman("inspect", "--format", "{{.State.Status}}", container, check=False)
        if state.stdout.strip() not in ("running", "created", "configured"):
            fail(f"{container} is {state.stdout.strip() or 'gone'} before {what}", container)
        if time.monotonic() > deadline:
            fail(f"timed out waiting for {what}", container)
        time.sleep(1)


def healthy(container: str) -> bool:
    return podman("healthcheck", "run", container, check=False).returncode == 0


def get(url: str, *, data: bytes | None = None) -> tuple[int, str]:
    headers = {"Host": "localhost", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return 0, str(exc)


def metric(port: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels``."""
    status, text = get(f"http://127.0.0.1:{port}/metrics")
    if status != 200:
        return -1.0
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def pids(port: str) -> set[str]:
    _, text = get(f"http://127.0.0.1:{port}/metrics")
    return {
        sample.labels["pid"]
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "process_start_time_seconds" and "pid" in sample.labels
    }


def check_hardening(container: str) -> None:
    pid = podman("inspect", "--format", "{{.State.Pid}}", container).stdout.strip()
    uids = next(
        line.split()[1:]
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("Uid:")
    )
    if set(uids) != {UID}:
        fail(f"{container}: PID 1 runs as uid {uids}, not {UID}", container)
    readonly = podman("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", container)
    write = podman("exec", container, "sh", "-c", "touch /app/x", check=False)
    if readonly.stdout.strip() != "true" or write.returncode == 0:
        fail(f"{container}: the root filesystem is writable", container)


def stop(container: str) -> float:
    started = time.monotonic()
    podman("kill", "--signal", "TERM", container)
    result = podman("wait", container, timeout=STOP_WITHIN + 20)
    took = time.monotonic() - started
    code = result.stdout.strip()
    if took > STOP_WITHIN or code != "0":
        fail(f"{container}: SIGTERM -> exit {code} after {took:.1f} s", container)
    return took


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from wanzo_common.api.keys import throwaway_key_env

    keys = throwaway_key_env()
    topic_prefix = f"smoke-{uuid.uuid4().hex[:8]}."
    envs = {s: service_env(s, keys, topic_prefix) for s in PORTS}
    for service in PORTS:
        migrate(service, envs[service])

    containers = [
        start("web", "auth", envs["auth"]),
        start("relay", "auth", envs["auth"]),
        start("worker", "admin", envs["admin"]),
        start("beat", "admin", envs["admin"]),
        start("consumer", "accounting", envs["accounting"]),
    ]
    web, relay, worker, beat, consumer = containers
    for container in containers:
        wait("its HEALTHCHECK", lambda c=container: healthy(c), container)
        check_hardening(container)
        say(f"{container}: healthy (podman healthcheck run), uid {UID}, read-only rootfs")

    auth = ports("auth")
    app = f"http://127.0.0.1:{auth['APP_PORT']}"
    for path in ("/healthz", "/readyz"):
        status, body = get(app + path)
        if status != 200:
            fail(f"{path} answered {status}: {body[:300]}", web)
    say(f"web: /healthz 200, /readyz 200 ({json.loads(body).get('transport', '?')})")
    before = metric(auth["PROMETHEUS_PORT"], "http_requests_total", route="readyz")
    for _ in range(REQUESTS):
        get(app + "/readyz")
    after = metric(auth["PROMETHEUS_PORT"], "http_requests_total", route="readyz")
    workers = pids(auth["PROMETHEUS_PORT"])
    if after - before != REQUESTS:
        fail(f"http_requests_total moved by {after - before}, {REQUESTS} requests sent", web)
    say(f"web: {REQUESTS} requests -> http_requests_total +{after - before:g} "
        f"(processes seen by the exporter: {len(workers)})")  # fmt: skip

    admin = ports("admin")
    handled = {"type": "user.created", "outcome": "handled"}
    wait("the worker's metrics", lambda: metric(admin["CELERY_PROMETHEUS_PORT"],
         "kafka_events_consumed_total") >= 0, worker)  # fmt: skip
    before = metric(admin["CELERY_PROMETHEUS_PORT"], "kafka_events_consumed_total", **handled)
    email = f"smoke-{uuid.uuid4().hex[:8]}@example.com"
    payload = {"email": email, "password": "a long smoke passphrase", "first_name": "Smoke",
               "last_name": "Test", "organization": {"name": "Smoke Shop"}}  # fmt: skip
    status, body = get(app + "/api/auth/register/", data=json.dumps(payload).encode())
    if status != 202:  # the same answer for any address (ADR 0014); the account is made
        fail(f"register answered {status}: {body[:500]}", web)
    wait("user.created handled by admin's worker", lambda: metric(
        admin["CELERY_PROMETHEUS_PORT"], "kafka_events_consumed_total", **handled) > before,
        worker, timeout=180)  # fmt: skip
    say("event: auth web -> outbox -> auth relay -> Kafka -> admin worker: "
        "kafka_events_consumed_total{type=user.created,outcome=handled} +1")  # fmt: skip

    for container in containers:
        took = stop(container)
        say(f"{container}: SIGTERM -> exit 0 in {took:.1f} s")
        podman("rm", container, check=False)
    say("every role passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
