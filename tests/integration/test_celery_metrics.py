"""A real Celery worker of the admin service (prefork pool, Redis broker) exports the tasks its
pool processes ran on its own metrics port, exactly, even when pool processes are recycled.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
from celery import Celery

from tests.integration.conftest import (
    REPO,
    child_env,
    executable,
    free_port,
    labelled_pids,
    scrape,
    wait_for_port,
)
from wanzo_common.monitoring import multiprocess
from wanzo_common.monitoring.testing import sample_sum

pytestmark = pytest.mark.integration

ADMIN = REPO / "services" / "admin"
PING = "admin_service.tasks.ping"


@pytest.fixture
def redis_url():
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


@pytest.fixture
def queue(redis_url):
    """A queue of this test's own, so nothing else sent to the broker reaches its worker."""
    import redis

    name = f"wanzo-it-{uuid.uuid4().hex[:12]}"
    yield name
    with redis.Redis.from_url(redis_url) as client:
        keys = client.keys(f"*{name}*")
        if keys:
            client.delete(*keys)


def start_worker(spawn, tmp_path, *, broker: str, queue: str, max_tasks_per_child: int):
    port = free_port()
    env = child_env(
        CELERY_BROKER_URL=broker,
        CELERY_PROMETHEUS_PORT=port,
        WANZO_METRICS_DIR=tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path}/{{service}}.sqlite3",  # ping needs no database
    )
    argv = executable("celery") + [
        "-A", "admin_service", "worker",
        "--pool", "prefork", "--concurrency", "2",
        "--max-tasks-per-child", str(max_tasks_per_child),
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--queues", queue, "--hostname", f"{queue}@%h", "--loglevel", "INFO",
    ]  # fmt: skip
    worker = spawn("celery", argv, env=env, cwd=ADMIN)
    wait_for_port(port, process=worker)
    return worker, port


def send_pings(broker: str, queue: str, count: int) -> None:
    """Send by name from a bare app: the test process never imports the service's code."""
    app = Celery("wanzo-integration-client", broker=broker)
    try:
        with app.producer_or_acquire() as producer:
            for _ in range(count):
                app.send_task(PING, queue=queue, producer=producer)
    finally:
        app.close()


def wait_for_count(port: int, worker, *, expected: float, timeout: float = 60.0) -> dict:
    """Scrape until ``expected`` pings succeeded (or the deadline); returns the last scrape."""
    deadline = time.monotonic() + timeout
    while True:
        worker.check_running()
        samples = scrape(port)
        done = sample_sum(samples, "celery_tasks_total", task=PING)
        if done >= expected or time.monotonic() > deadline:
            return samples
        time.sleep(0.2)


def test_worker_exports_every_task_its_pool_ran(spawn, tmp_path, redis_url, queue):
    sent = 40
    # Pool processes are replaced every 7 tasks: their counts must survive them.
    worker, port = start_worker(
        spawn, tmp_path, broker=redis_url, queue=queue, max_tasks_per_child=7
    )

    send_pings(redis_url, queue, sent)
    wait_for_count(port, worker, expected=sent)
    before = worker.children()
    samples = scrape(port)
    pool = before | worker.children()  # every pool process alive during the scrape

    assert sample_sum(samples, "celery_tasks_total", task=PING, state="SUCCESS") == sent
    assert sample_sum(samples, "celery_tasks_total", task=PING) == sent
    assert sample_sum(samples, "celery_task_duration_seconds_count", task=PING) == sent
    pids = labelled_pids(samples, "process_cpu_seconds_total")
    assert worker.pid in pids  # the worker's main process, which serves the metrics
    assert pids <= {worker.pid} | pool  # and live pool processes, no dead one

    directory = tmp_path / "wanzo-metrics" / f"admin-celery-{worker.pid}"
    # The scrape folded the files of the pool processes that were replaced.
    assert multiprocess.pids_with_files(directory) <= {worker.pid} | pool
    assert (directory / "counter_archive.db").exists()
    worker.stop()
    assert not directory.exists()  # a worker removes the directory it made
