"""What the three events benches share: the broker, Django, the bench database, the report.

The broker is ``KAFKA_BROKERS`` when set (a real cluster; consumer groups keep the classic
protocol) or a dev broker subprocess started for the run (KIP-848 groups, which join at once
on librdkafka's mock cluster). Topics get a fresh prefix per run. The database is
``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/wanzo_bench``), created if
missing and migrated: never ``DATABASE_URL``, since the benches empty the events tables.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/wanzo_bench"


@contextlib.contextmanager
def broker() -> Iterator[tuple[str, bool]]:
    """Yield (bootstrap servers, is_dev_broker); a dev broker is stopped on the way out."""
    configured = os.environ.get("KAFKA_BROKERS")
    if configured:
        yield configured, False
        return
    from wanzo_common.events.devbroker import start_devbroker, stop_devbroker

    process, address = start_devbroker()
    try:
        yield address, True
    except BaseException:
        if process.poll() is not None:  # say so: the bench's error is only a consequence
            print(f"  the dev broker died (exit status {process.returncode})", file=sys.stderr)
        raise
    finally:
        stop_devbroker(process)


@contextlib.contextmanager
def database_run(title: str, *, quick: bool) -> Iterator[tuple[str, bool, dict]]:
    """A bench run on the bench database: yields (brokers, is_dev_broker, env).

    Creates and migrates the database, starts the broker, sets Django up and prints the
    header; prints the footer when the run ends.
    """
    url = database_url()
    ensure_database(url)
    started = time.perf_counter()
    with broker() as (brokers, dev):
        env = setup_django(brokers=brokers, dev=dev, database_url=url)
        migrate()
        header(title, brokers=brokers, dev=dev, quick=quick)
        print(f"  database: {url.rsplit('@', 1)[-1]}")
        yield brokers, dev, env
        footer(started)


def child_env(*, brokers: str, dev: bool, database_url: str | None, prefix: str) -> dict:
    """The variables ``_events_settings`` reads (also given to child processes).

    On the dev broker ``KAFKA_DEV_BROKER=true``, as ``make up`` sets it: the services' own
    dev-broker client settings (``conf.DEV_BROKER_OPTIONS``: KIP-848 groups, which the mock
    cluster assigns at once, and ``fetch.wait.max.ms=25``, since it holds every fetch that
    long even when data arrived). A real cluster keeps librdkafka's defaults, or the group
    protocol ``KAFKA_GROUP_PROTOCOL`` names (read by the settings themselves).
    """
    return {
        "DJANGO_SETTINGS_MODULE": "_events_settings",
        "BENCH_KAFKA_BROKERS": brokers,
        "BENCH_TOPIC_PREFIX": prefix,
        "KAFKA_DEV_BROKER": "true" if dev else os.environ.get("KAFKA_DEV_BROKER", "false"),
        "DATABASE_URL": database_url or "sqlite://:memory:",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(REPO / "bench"), str(REPO)]),
    }


def setup_django(*, brokers: str, dev: bool, database_url: str | None = None) -> dict:
    """Configure Django in this process for the bench; returns the variables it used."""
    env = child_env(brokers=brokers, dev=dev, database_url=database_url, prefix=new_prefix())
    os.environ.update(env)
    for name in ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"):
        os.environ.pop(name, None)  # metrics in single-process mode, as in consume_events
    sys.path[:0] = [str(REPO / "bench"), str(REPO)]
    import django

    django.setup()
    return env


def new_prefix() -> str:
    return f"bench-{uuid.uuid4().hex[:8]}."


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"BENCH_DATABASE_URL must be a PostgreSQL URL, not {url!r}")
    return url


def ensure_database(url: str) -> None:
    """Create the bench database if it does not exist (connecting to the ``postgres`` one)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    params = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if found.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def empty_events_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE wanzo_events_outbox, wanzo_events_inbox RESTART IDENTITY")


def ensure_topic(transport, type_name: str) -> str:
    """Create the run's topic for ``type_name`` (a real cluster may not auto-create it)."""
    from wanzo_common.events.types import topic_for

    topic = topic_for(type_name)
    transport.ensure_topics([topic])
    return topic


def end_offsets(brokers: str, topic: str) -> int:
    """The sum of ``topic``'s high watermarks: how many messages it holds."""
    from confluent_kafka import Consumer, TopicPartition

    client = Consumer({"bootstrap.servers": brokers, "group.id": "bench-watermarks"})
    try:
        partitions = client.list_topics(topic, timeout=10).topics[topic].partitions
        return sum(
            client.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in partitions
        )
    finally:
        client.close()


def commit_rate(count: int = 200) -> float:
    """Durable commits per second on one connection (an inbox row each): the disk's fsync.

    A consumer engine commits once per event, so this bounds one engine's rate. Rows are
    written to the inbox table (a temporary table would skip the WAL) and deleted after.
    """
    from django.db import transaction

    from wanzo_common.events.models import InboxEvent

    start = time.perf_counter()
    for index in range(count):
        with transaction.atomic():
            InboxEvent.objects.claim(group="bench-probe", event_id=str(index), type_name="probe")
    seconds = time.perf_counter() - start
    InboxEvent.objects.filter(group="bench-probe").delete()
    return count / seconds


def timestamp() -> str:
    """Now, for the payload's ``timestamp`` field: microseconds, unlike ``ce_time``."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_timestamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def user_created(index: int, *, run: str = "") -> dict:
    """A valid ``user.created`` payload; subjects spread over the topic's partitions."""
    return {
        "userId": f"usr_{run}{index}",
        "email": f"user{index}@example.com",
        "userType": "SME_OWNER",
        "firstName": "Amani",
        "lastName": "Mukendi",
        "timestamp": timestamp(),
    }


def header(title: str, *, brokers: str, dev: bool, quick: bool) -> None:
    kind = "dev broker (librdkafka mock cluster)" if dev else "KAFKA_BROKERS"
    print(f"{title}{'  [--quick]' if quick else ''}")
    print(f"  broker: {brokers} ({kind}); python {sys.version.split()[0]}; cpus {os.cpu_count()}")
    print(f"  load average at start: {load()}")


def load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<50}{value:>14}   {note}".rstrip())


def rate(value: float) -> str:
    return f"{value:,.0f}/s"


def at_least(value: float, goal: float) -> str:
    return "PASS" if value >= goal else "MISS"


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 100 samples is the 99th)."""
    ordered = sorted(values)
    rank = max(1, int(round(fraction * len(ordered) + 0.4999)))
    return ordered[min(rank, len(ordered)) - 1]


def rotated(names: list[str], round_no: int) -> list[str]:
    """The order of the variants in round ``round_no``: rotated so none always goes first."""
    shift = round_no % len(names)
    return names[shift:] + names[:shift]


def close_clients() -> None:
    """Flush and drop our Kafka clients while the broker is still up (no disconnect noise)."""
    from wanzo_common.events.transports import reset_transports

    reset_transports()


def footer(started: float) -> None:
    print(f"  load average at end: {load()}; wall time {time.perf_counter() - started:.0f} s")
