"""Django settings for the events benches: the shared settings of a service named "bench".

Everything that differs from a service comes from variables set by ``_events_common`` before
Django starts: ``BENCH_KAFKA_BROKERS`` (the dev broker's address or ``KAFKA_BROKERS``),
``BENCH_TOPIC_PREFIX`` (a fresh prefix per run, so a real cluster's topics are never reused),
``KAFKA_DEV_BROKER`` (true on the dev broker: the services' dev-broker client options, read by
``build()``) and ``DATABASE_URL`` (the bench database, never the services' own).
"""

import os
from pathlib import Path

from wanzo_common.ports import ServicePorts
from wanzo_common.settings import build

BASE_DIR = Path(__file__).resolve().parent

globals().update(
    build(
        service="bench",
        base_dir=BASE_DIR,
        ports=ServicePorts(app=8098, metrics=9498, celery=9598, events=0, relay=0),
    )
)

WANZO_EVENTS = {
    **WANZO_EVENTS,  # noqa: F821 (from build())
    "TRANSPORT": "kafka",
    "BROKERS": [b for b in os.environ.get("BENCH_KAFKA_BROKERS", "").split(",") if b],
    "CLIENT_ID": "wanzo-bench",
    "CONSUMER_GROUP_ID": "wanzo-bench",
    "TOPIC_PREFIX": os.environ.get("BENCH_TOPIC_PREFIX", "bench."),
}
