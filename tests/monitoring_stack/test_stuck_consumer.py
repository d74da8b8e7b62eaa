"""A consumer stopped inside a handler, seen by a real Prometheus and by its liveness probe.

The consumer engine runs in a thread on the dev broker (a Kafka-protocol broker, ADR 0005) with
a handler that blocks; this process serves its metrics on a free port, scraped every second by
Prometheus (Debian's ``prometheus``) as job ``stuck``, role ``consumer``. KafkaConsumerStuck's
expression, read from the rule file, is false while the consumer polls and becomes true once the
handler has held it for longer than the threshold; the liveness probe fails at the same limit.
Skipped without ``prometheus`` (CI sets WANZO_REQUIRE_PROMETHEUS=1).
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid

import pytest
from django.db import connections

from tests.devserver.helpers import wait_for
from wanzo_common.events import liveness
from wanzo_common.events.consumer import ConsumerEngine
from wanzo_common.events.envelope import Event
from wanzo_common.events.registry import HandlerRegistry
from wanzo_common.events.testing import kafka_settings
from wanzo_common.events.transports import get_transport
from wanzo_common.events.types import get_type
from wanzo_common.monitoring.exporter import start_exporter

from . import stack

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("prometheus") is None and os.environ.get("WANZO_REQUIRE_PROMETHEUS") != "1",
        reason="needs prometheus (Debian's package; CI sets WANZO_REQUIRE_PROMETHEUS=1)",
    ),
]
ALERT = "KafkaConsumerStuck"
THRESHOLD = 60  # seconds, as in the rule (checked below)
GAUGE = 'kafka_consumer_last_progress_timestamp_seconds{job="stuck"}'


def scrape_config(port: int) -> dict:
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(path) for path in stack.RULE_FILES],
        "scrape_configs": [
            {
                "job_name": "stuck",
                "static_configs": [
                    {"targets": [f"127.0.0.1:{port}"], "labels": {"role": "consumer"}}
                ],
            }
        ],
    }


def firing(prometheus: str, expr: str) -> list[dict]:
    return [
        sample["metric"]
        for sample in stack.api(prometheus, "query", query=expr)["result"]
        if sample["metric"].get("job") == "stuck"
    ]


@pytest.mark.timeout(300)
def test_a_consumer_stuck_in_a_handler_fires_the_alert_and_fails_its_probe(
    settings, devbroker, tmp_path
):
    expr = stack.alert_expr(ALERT)
    assert f"> {THRESHOLD}" in expr
    settings.WANZO_EVENTS = kafka_settings(
        devbroker, TOPIC_PREFIX=f"stuck-{uuid.uuid4().hex[:8]}.", SEND_TIMEOUT=5
    )
    entered, release = threading.Event(), threading.Event()

    def hang(event: Event) -> None:
        entered.set()
        release.wait(240)

    handlers = HandlerRegistry()
    handlers.register("user.created", hang)
    engine = ConsumerEngine(group="stuck", handlers=handlers)

    def consume() -> None:
        try:
            engine.run(timeout=280, poll_interval=0.2)
        finally:
            connections.close_all()

    server = start_exporter(port=0, address="127.0.0.1", label="test exporter")
    thread = threading.Thread(target=consume, name="stuck-consumer", daemon=True)
    thread.start()
    try:
        with stack.running_prometheus(scrape_config(server.server_port), tmp_path) as prometheus:
            # Healthy: polled and scraped, the expression is false and the probe passes.
            wait_for(
                lambda: stack.api(prometheus, "query", query=GAUGE)["result"],
                "the progress gauge scraped",
            )
            assert firing(prometheus, expr) == []
            assert liveness.check("consumer", port=server.server_port, max_age=THRESHOLD)[0] == 0

            data = {**get_type("user.created").example, "userId": "usr_stuck"}
            get_transport().send([Event.create("user.created", data, source="test").to_message()])
            wait_for(entered.is_set, "the handler entered", timeout=60)

            wait_for(lambda: firing(prometheus, expr), f"{ALERT}'s expression true", timeout=180)
            [labels] = firing(prometheus, expr)
            assert (labels["job"], labels["role"]) == ("stuck", "consumer")
            status, line = liveness.check("consumer", port=server.server_port, max_age=THRESHOLD)
            assert status == 1 and "no progress" in line
            assert thread.is_alive()  # still stuck: nothing but the gauge says so
    finally:
        release.set()
        engine.stop()
        thread.join(30)
        server.shutdown()
        server.server_close()
