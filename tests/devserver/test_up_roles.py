"""``manage_all.py up`` runs the production roles: a Celery worker hosting the consumer, beat.

One service (admin) brought up as a newcomer would, with no Celery broker configured (kombu's
filesystem transport in var/celery/), and with Redis named in its .env: its worker must consume
the service's announcement (the handled-events counter moves on the worker's
metrics port, not the server's) and beat must schedule the subscription expiry, which runs on
the worker (``celery_tasks_total`` moves there): tasks no longer run eagerly in the caller.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

import pytest

from wanzo_common.monitoring.testing import parse_exposition, sample_sum

from ..test_manage_all import copy_of_repo, stop_up
from .helpers import free_ports, wait_for

# A newcomer's shell has no broker settings; the test run's own must not leak into `up`.
SCRUBBED = ("KAFKA_BROKERS", "USE_KAFKA", "CELERY_", "PROMETHEUS_MULTIPROC_DIR", "EVENTS_")


def scrape(port: int) -> dict:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            return parse_exposition(response.read().decode())
    except OSError:
        return {}


def redis_url() -> str:
    """``WANZO_REDIS_URL`` (set in CI: a failure there) or a local Redis (skipped if absent)."""
    import redis

    url = os.environ.get("WANZO_REDIS_URL") or "redis://127.0.0.1:6379/15"
    with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
        try:
            client.ping()
        except redis.ConnectionError as exc:
            if os.environ.get("WANZO_REDIS_URL"):
                raise
            pytest.skip(f"no Redis at {url} for the Celery broker: {exc}")
    return url


@pytest.mark.integration
@pytest.mark.parametrize("broker", ["filesystem", "redis"])
def test_up_runs_a_worker_hosting_the_consumer_and_beat_scheduling_the_expiry(tmp_path, broker):
    repo = copy_of_repo(tmp_path / "repo", service="admin")
    app, metrics, celery, relay = free_ports(4)
    named = f"CELERY_BROKER_URL={redis_url()}\n" if broker == "redis" else ""
    (repo / "services" / "admin" / ".env").write_text(
        f"APP_PORT={app}\nPROMETHEUS_PORT={metrics}\nCELERY_PROMETHEUS_PORT={celery}\n"
        f"RELAY_PROMETHEUS_PORT={relay}\nDJANGO_SECRET_KEY=test-only\nSUBSCRIPTIONS_EXPIRE_EVERY=2\n{named}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/{{service}}.sqlite3"
    log_path = tmp_path / "up.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(repo / "manage_all.py"), "up", "--only", "admin"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        )  # fmt: skip
    try:

        def handled() -> float:
            return sample_sum(
                scrape(celery), "kafka_events_consumed_total",
                type="system.service_started", outcome="handled",
            )  # fmt: skip

        def expiries() -> float:
            return sample_sum(
                scrape(celery), "celery_tasks_total",
                task="subscriptions.expire_subscriptions", state="SUCCESS",
            )  # fmt: skip

        wait_for(lambda: handled() >= 1, "the worker's consumer handling an event",
                 proc=proc, log=log_path)  # fmt: skip
        wait_for(lambda: expiries() >= 1, "beat's expiry task run by the worker",
                 proc=proc, log=log_path)  # fmt: skip
        # The server hosts neither: its own port has no consumed event and no task.
        server = scrape(metrics)
        assert sample_sum(server, "kafka_events_consumed_total") == 0
        assert sample_sum(server, "celery_tasks_total") == 0
        lines = log_path.read_text().splitlines()
        assert any(line.startswith("admin.beat ") for line in lines)
        shown = "filesystem://" if broker == "filesystem" else "redis://"
        assert any(line.startswith("admin.worker ") and shown in line for line in lines)
        assert f"http://127.0.0.1:{celery}/metrics" in log_path.read_text()  # in the URL table
        folder = repo / "var" / "celery" / "admin" / "broker"
        assert folder.is_dir() == (broker == "filesystem")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log_path.read_text()
    finally:
        stop_up(proc)
