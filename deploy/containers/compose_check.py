"""The compose system's checks, run by compose.sh once `docker-compose up -d` returned.

1. every container of the project is healthy (or, for a one-off job, exited 0);
2. demo traffic (``wanzo_common.devserver.demo``'s flows: organisations, sales, sync, postings,
   subscriptions, logins...) against the published app ports; its internal admin is made in the
   auth-web container (``entrypoint.sh manage create_internal_admin``);
3. the containerised Prometheus: every target up, every rule group evaluated without error,
   and each of the eleven domain metrics has a non-zero sample.

Prints the containers with their health. Exits non-zero on the first failed check.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from wanzo_common.devserver.demo import Api, Demo, Member  # noqa: E402
from wanzo_common.ports import ports_of  # noqa: E402

PROJECT = os.environ.get("COMPOSE_PROJECT", "wanzo-podman")
PROMETHEUS = os.environ.get("PROMETHEUS_URL", "http://127.0.0.1:19590")
DURATION = float(os.environ.get("DEMO_DURATION", "40"))
ONE_OFF = ("-migrate", "postgres-databases")
# The eleven domain metrics (README "Domain metrics"), as a PromQL expression with data once moved.
DOMAIN = {
    "user_management_operations_total": "sum(user_management_operations_total)",
    "configuration_changes_total": "sum(configuration_changes_total)",
    "journal_entries_created_total": "sum(journal_entries_created_total)",
    "transaction_value": "sum(transaction_value_count)",
    "account_balance": "count(account_balance)",
    "login_attempts_total": "sum(login_attempts_total)",
    "token_generation_total": "sum(token_generation_total)",
    "auth_failures_total": "sum(auth_failures_total)",
    "app_sessions_total": "sum(app_sessions_total)",
    "push_notifications_sent_total": "sum(push_notifications_sent_total)",
    "sync_operations_total": "sum(sync_operations_total)",
}


def say(text: str) -> None:
    print(f"compose: {text}", flush=True)


def fail(text: str) -> None:
    say(f"FAILED: {text}")
    print(table(), flush=True)
    sys.exit(1)


def containers() -> list[dict]:
    out = subprocess.run(
        ["podman", "ps", "-a", "--format", "json",
         "--filter", f"label=com.docker.compose.project={PROJECT}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(out or "[]")


def service_of(container: dict) -> str:
    return container.get("Labels", {}).get("com.docker.compose.service", container["Names"][0])


def state(container: dict) -> str:
    """healthy, running (no health check), exited-0, or what is wrong."""
    status = container.get("Status", "")
    if container["State"] == "exited":
        return f"exited-{container.get('ExitCode')}"
    if "(healthy)" in status:
        return "healthy"
    if "(" in status:
        return status[status.index("(") + 1 : status.index(")")]
    return container["State"]


def table() -> str:
    rows = sorted((service_of(c), c["Names"][0], state(c)) for c in containers())
    return "\n".join(f"  {service:<22} {name:<42} {health}" for service, name, health in rows)


def good(container: dict) -> bool:
    """A one-off job exited 0; a container with a health check is healthy; others run."""
    if service_of(container).endswith(ONE_OFF):
        return state(container) == "exited-0"
    has_check = "(" in container.get("Status", "")
    return state(container) == ("healthy" if has_check else "running")


def wait(what: str, condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            fail(f"timed out waiting for {what}")
        time.sleep(3)


def prometheus(path: str, **params: str) -> dict:
    url = f"{PROMETHEUS}{path}?{urllib.parse.urlencode(params)}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return json.load(response)["data"]


def value(expr: str) -> float:
    result = prometheus("/api/v1/query", query=expr)["result"]
    return float(result[0]["value"][1]) if result else 0.0


def main() -> int:
    started = time.monotonic()

    def all_good() -> bool:
        found = containers()
        return bool(found) and all(good(c) for c in found)

    wait("every container healthy", all_good, timeout=600)
    say(f"every container healthy or done, {time.monotonic() - started:.0f} s after up")
    print(table(), flush=True)

    web = next(c["Names"][0] for c in containers() if service_of(c) == "auth-web")
    admin = Member(f"compose-admin-{secrets.token_hex(4)}@example.com", secrets.token_urlsafe(16))
    subprocess.run(
        ["podman", "exec", "-e", f"WANZO_ADMIN_PASSWORD={admin.password}", web,
         "/app/deploy/entrypoint.sh", "manage", "create_internal_admin", "--email", admin.email,
         "--no-input"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    services = ("admin", "accounting", "app_mobile", "auth")
    api = Api({s: f"http://127.0.0.1:{ports_of(s).app}" for s in services})
    api.login(admin)
    demo = Demo(api, admin, rng=random.Random())
    for index in range(2):
        demo.subscribe(demo.add_tenant(index))
    demo.run(duration=DURATION, rate=5, out=sys.stdout)
    say(f"demo: {sum(demo.done.values())} actions, {len(demo.errors)} errors")
    for error in demo.errors[:5]:
        say(f"demo error: {error}")

    def targets_up() -> bool:
        targets = prometheus("/api/v1/targets")["activeTargets"]
        return bool(targets) and all(t["health"] == "up" for t in targets)

    wait("every Prometheus target up", targets_up, timeout=120)
    targets = prometheus("/api/v1/targets")["activeTargets"]
    say(f"prometheus: {len(targets)} targets, all up")

    def rules_evaluate() -> bool:
        groups = prometheus("/api/v1/rules")["groups"]
        return bool(groups) and all(
            not g["lastEvaluation"].startswith("0001")
            and all(r.get("health") == "ok" for r in g["rules"])
            for g in groups
        )

    wait("every rule group evaluating", rules_evaluate, timeout=120)
    groups = prometheus("/api/v1/rules")["groups"]
    rules = sum(len(g["rules"]) for g in groups)
    say(f"prometheus: {len(groups)} rule groups ({rules} rules), every rule health ok")

    def domain_moved() -> bool:
        return all(value(expr) > 0 for expr in DOMAIN.values())

    wait("the eleven domain metrics in Prometheus", domain_moved, timeout=120)
    for name, expr in DOMAIN.items():
        say(f"  {name}: {expr} = {value(expr):g}")
    say("every check passed")
    print(table(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
