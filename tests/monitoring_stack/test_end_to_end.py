"""End to end: the four services under ``manage_all.py up``, scraped by a real Prometheus.

``up`` runs from a copy of the repo (each service's ports in its ``.env``, SQLite databases in a
temporary directory, the dev broker); Prometheus (Debian's ``prometheus``) runs on loopback with
the project's rule files and a scrape config rendered for the ports in use. After some traffic,
everything is asserted through Prometheus's HTTP API: every target up, every rule group loaded
and evaluated without error, every metric name of the rules and dashboards in the live scrape,
every dashboard query accepted. Skipped when ``prometheus`` is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
import urllib.error
import urllib.request

import pytest

from wanzo_common.devserver import sandbox as harness
from wanzo_common.ports import SERVICES, ServicePorts

from ..devserver.helpers import wait_for
from . import stack

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("prometheus") is None and os.environ.get("WANZO_REQUIRE_PROMETHEUS") != "1",
        reason="needs prometheus (Debian's package; CI sets WANZO_REQUIRE_PROMETHEUS=1)",
    ),
]

# Series `make up` cannot show, whatever the traffic: it runs no Celery worker and the broker
# raises no client error (dead letters are exported at 0 from the consumer's start).
ABSENT_UNDER_MAKE_UP = {
    "celery_tasks_total": "no Celery worker under make up",
    "celery_task_duration_seconds_bucket": "no Celery worker under make up",
    "kafka_client_errors_total": "the dev broker raises no client error",
}
SCRAPE_INTERVAL = "1s"


def send_traffic(system: harness.System, *, duration: float = 15) -> None:
    """``manage_all.py demo``: every business flow, so every domain metric has data."""
    result = harness.run_demo(system, duration=duration)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """The four services (``manage_all.py up`` in a copy of the repo, tests/e2e/system.py)."""
    # librdkafka's statistics gauges within the test's time
    extra = {"KAFKA_STATISTICS_INTERVAL_MS": "1000"}
    system = harness.start(tmp_path_factory.mktemp("stack"), env=extra, label="stack")
    try:
        yield system
    finally:
        harness.stop(system)


@pytest.fixture(scope="module")
def system(running):
    """Each service's ports."""
    return {
        service: ServicePorts(
            app=running.app_ports[service], metrics=running.metrics_ports[service],
            celery=0, events=running.events_ports[service], relay=running.relay_ports[service],
        )
        for service in SERVICES
    }  # fmt: skip


@pytest.fixture(scope="module")
def prometheus(system, tmp_path_factory):
    """A real Prometheus with the project's rules, scraping the system; yields its API URL."""
    tmp = tmp_path_factory.mktemp("prometheus")
    scrape_config = stack.load_script("scrape_config")
    config = scrape_config.render(
        host="127.0.0.1", roles=("web", "consumer", "relay"), services=system,
        rule_files=[str(path) for path in stack.RULE_FILES], alertmanager=None, prometheus=None,
        scrape_interval=SCRAPE_INTERVAL, evaluation_interval=SCRAPE_INTERVAL,
    )  # fmt: skip
    with stack.running_prometheus(config, tmp) as url:
        yield url


@pytest.fixture(scope="module")
def scraped(running, prometheus):
    """Traffic sent, every target scraped up and every rule group evaluated after it."""
    send_traffic(running)
    sent = time.time()
    wait_for(lambda: all_targets_up(prometheus), "every target up", timeout=60)

    def evaluated_since_traffic() -> bool:
        groups = api(prometheus, "rules")["groups"]
        return all(_timestamp(group["lastEvaluation"]) > sent + 2 for group in groups)

    wait_for(evaluated_since_traffic, "rule evaluations after the traffic", timeout=60)
    send_traffic(running, duration=3)
    time.sleep(3)  # a few more scrapes, so rates have two samples on every series
    return prometheus


def test_every_target_is_up(scraped):
    targets = api(scraped, "targets")["activeTargets"]
    assert len(targets) == 3 * len(SERVICES)
    down = [(t["labels"]["job"], t["labels"]["role"], t["lastError"]) for t in targets
            if t["health"] != "up"]  # fmt: skip
    assert down == []
    assert {(t["labels"]["job"], t["labels"]["role"]) for t in targets} == {
        (service, role) for service in SERVICES for role in ("web", "consumer", "relay")
    }


def test_every_rule_group_is_loaded_and_evaluates_without_error(scraped):
    loaded = {group["name"]: group for group in api(scraped, "rules")["groups"]}
    assert sorted(loaded) == sorted(group["name"] for group in stack.rule_groups())
    errors = [
        (group, rule["name"], rule.get("lastError"))
        for group, data in loaded.items()
        for rule in data["rules"]
        if rule["health"] != "ok" or rule.get("lastError")
    ]
    assert errors == []
    assert sum(len(g["rules"]) for g in loaded.values()) == sum(
        len(g["rules"]) for g in stack.rule_groups()
    )


def test_every_metric_name_used_is_in_the_live_scrape(scraped):
    live = set(api(scraped, "label/__name__/values"))
    allowed = set(ABSENT_UNDER_MAKE_UP) | stack.SELF_MONITORING  # Prometheus not scraping itself
    used = {n for n in stack.used_metric_names() if n not in stack.recorded_names()}
    missing = sorted(used - live - allowed)
    assert missing == [], "used in rules or dashboards, absent from the scrape"
    now_present = sorted(allowed & live)
    print(f"\nallow-listed names now in the scrape (remove them from the lists): {now_present}")


def test_every_dashboard_query_parses(scraped):
    queries = stack.dashboard_queries()
    with_data, failures, empty = 0, [], []
    for board, title, expr in queries:
        try:
            result = api(scraped, "query", query=stack.for_prometheus(expr))
        except AssertionError as exc:
            failures.append(f"{board}: {title}: {expr}: {exc}")
            continue
        with_data += bool(result["result"])
        if not result["result"]:
            empty.append(f"{board}: {title}")
    assert failures == []
    print(f"\ndashboard queries returning data: {with_data} of {len(queries)}; without data:")
    print("\n".join(f"  {line}" for line in empty))


def test_web_stays_ready_while_the_broker_is_stopped_and_the_broker_alert_says_so(running, scraped):
    """The dev broker frozen (SIGSTOP: `up` stops everything when a child exits): every web
    answers /readyz 200 with the broker reported unavailable, and EventsBrokerUnavailable's
    expression becomes true for every service's web. Last in the module: it stops the broker."""
    expr = stack.alert_expr("EventsBrokerUnavailable")
    assert broker_down_for(scraped, expr) == set()
    broker = devbroker_pid(running)
    os.kill(broker, signal.SIGSTOP)
    try:

        def every_web_reports_the_broker_down() -> bool:
            for service in SERVICES:
                status, body = readyz(running, service)
                assert status == 200, (service, body)  # ready: the outbox absorbs the outage
                assert body["checks"] == {"database": "ok"}
                if body["dependencies"]["events_broker"] != "unavailable":
                    return False
            return broker_down_for(scraped, expr) == set(SERVICES)

        wait_for(every_web_reports_the_broker_down, "the broker alert's expression", timeout=120)
    finally:
        os.kill(broker, signal.SIGCONT)


# --- helpers --------------------------------------------------------------------------------


api = stack.api


def all_targets_up(base: str) -> bool:
    targets = api(base, "targets")["activeTargets"]
    return bool(targets) and all(target["health"] == "up" for target in targets)


def _timestamp(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def broker_down_for(prometheus: str, expr: str) -> set[str]:
    """The jobs whose web process the alert's expression names."""
    result = api(prometheus, "query", query=expr)["result"]
    return {sample["metric"]["job"] for sample in result if sample["metric"]["role"] == "web"}


def readyz(system: harness.System, service: str) -> tuple[int, dict]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(system.url(service, "/readyz"), timeout=15) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def devbroker_pid(system: harness.System) -> int:
    """The pid of the sandbox's dev broker (found by its address file in /proc)."""
    address_file = str(system.root / "var" / "devbroker.addr")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if b"wanzo_common.events.devbroker" in argv and address_file.encode() in argv:
            return int(entry)
    pytest.skip("no dev broker in this run (KAFKA_BROKERS names a cluster)")
