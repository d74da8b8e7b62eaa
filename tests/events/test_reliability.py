"""Reliability of the events pipeline end to end: dev broker over TCP, PostgreSQL, Redis.

Each test gets its own topic prefix and consumer groups on the session's broker (the dev broker
subprocess, or ``KAFKA_BROKERS`` for a real cluster). Consumers run as separate processes
(``python -m django consume_events``, a prefork Celery worker) configured only by environment
variables, on the pytest-django test database, so what is checked is what a deployment runs.
The handlers are the test app's; every handler run leaves one ``Effect`` row, so "exactly once"
is a row count.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/wanzo pytest -m integration tests/events
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import connection, transaction

from tests.integration.conftest import (  # noqa: F401 (fixture)
    REPO,
    child_env,
    free_port,
    scrape,
    spawn,
)
from tests.testapp.models import Effect
from wanzo_common.events import deadletter
from wanzo_common.events.consumer import ConsumerEngine
from wanzo_common.events.envelope import Event
from wanzo_common.events.models import InboxEvent, OutboxEvent
from wanzo_common.events.publisher import publish
from wanzo_common.events.relay import relay_outbox, relay_pending
from wanzo_common.events.testing import (  # noqa: F401 (session fixture)
    devbroker,
    is_dev_broker,
    kafka_env,
    kafka_settings,
)
from wanzo_common.events.transports import DeliveryError, Message, get_transport
from wanzo_common.events.types import get_type

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("WANZO_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
RUN_TIMEOUT = 120


@pytest.fixture(autouse=True)
def _postgres():
    if connection.vendor != "postgresql":
        message = "needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/wanzo"
        if os.environ.get("WANZO_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Kafka:
    address: str
    prefix: str
    dev_broker: bool | None = None

    @property
    def users_topic(self) -> str:
        return self.prefix + "wanzo.users"

    def group(self, name: str) -> str:
        return f"{self.prefix}{name}"


@pytest.fixture
def kafka(settings, devbroker):  # noqa: F811
    prefix = f"rel-{uuid.uuid4().hex[:8]}."
    settings.WANZO_EVENTS = kafka_settings(
        devbroker, TOPIC_PREFIX=prefix, CONSUMER_GROUP_ID=prefix + "test", SOURCE="testsvc"
    )
    return Kafka(address=devbroker, prefix=prefix)


def database_url() -> str:
    """The test database, for the service processes.

    ``synchronous_commit=off`` only spares the wait for the WAL flush on each commit: a killed
    consumer loses nothing it committed (only a PostgreSQL crash could), and 10,000 one-event
    transactions stop being a test of the disk.
    """
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    where = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"postgres://{auth}@{where}?options=-c%20synchronous_commit%3Doff"


def service_env(kafka: Kafka, *, group: str, **extra: str) -> dict[str, str]:
    """The environment of a service process: the seed's variables, nothing else."""
    return child_env(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url(),
        **kafka_env(kafka.address, dev_broker=kafka.dev_broker),
        KAFKA_CONSUMER_GROUP_ID=group,
        KAFKA_TOPIC_PREFIX=kafka.prefix,
        **extra,
    )


def consume_argv(*options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "django",
        "consume_events",
        "--timeout",
        str(RUN_TIMEOUT),
        *options,
    ]


def run_consumer(kafka: Kafka, *, group: str, options: tuple[str, ...], **env: str) -> str:
    """Run ``consume_events`` to completion; return its output (fails on a non-zero exit)."""
    result = subprocess.run(
        consume_argv(*options),
        env=service_env(kafka, group=group, **env),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT + 30,
        check=False,
    )
    assert result.returncode == 0, (
        f"consume_events failed:\n{result.stdout}\n{result.stderr[-4000:]}"
    )
    return result.stdout


def user_created(subject: str) -> Event:
    data = {**get_type("user.created").example, "userId": subject}
    return Event.create("user.created", data, source="testsvc")


def event_of(type_name: str, subject: str) -> Event:
    return Event.create(type_name, {**get_type(type_name).example, "userId": subject}, source="t")


def effects_by_event(group: str) -> Counter:
    return Counter(Effect.objects.filter(group=group, note="").values_list("event_id", flat=True))


def read_topic(topic: str, *, expected: int) -> list[Message]:
    """``expected`` messages of ``topic`` from the beginning, as a throwaway group."""
    consumer = get_transport().consumer(group_id=deadletter.throwaway_group(topic), topics=[topic])
    try:
        return list(deadletter.read(consumer, max_messages=expected, idle_timeout=30))
    finally:
        consumer.close()


def wait_until(predicate, *, process=None, timeout: float = RUN_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if process is not None:
            process.check_running()
        if time.monotonic() > deadline:
            log = process.log()[-4000:] if process is not None else ""
            raise AssertionError(f"condition not met within {timeout} s\n{log}")
        time.sleep(0.1)


# --- 1. outbox while the broker is down ---------------------------------------------------


def test_events_published_while_the_broker_is_down_are_applied_once_it_is_up(kafka, settings):
    down = {**settings.WANZO_EVENTS, "BROKERS": [f"127.0.0.1:{free_port()}"], "SEND_TIMEOUT": 2}
    settings.WANZO_EVENTS = down
    published = []
    for chunk in range(10):
        with transaction.atomic():
            published += [
                publish(
                    "user.created", {**get_type("user.created").example, "userId": f"u{chunk}-{i}"}
                )
                for i in range(100)
            ]
    with pytest.raises(DeliveryError):
        relay_outbox(batch=100)
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 1000  # nothing lost

    settings.WANZO_EVENTS = {**down, "BROKERS": [kafka.address]}
    assert relay_pending() == 1000
    group = kafka.group("outbox")
    output = run_consumer(kafka, group=group, options=("--max-messages", "1000"))

    assert "handled=1000" in output
    applied = effects_by_event(group)
    assert set(applied) == {event.id for event in published}
    assert set(applied.values()) == {1}


def restart_and_check_exactly_once(spawn, env, group, events, *, committed: int) -> None:  # noqa: F811
    """Start the killed consumer's group again; every event must end up applied exactly once.

    ``committed``: the effects that survived the kill; the restarted member handles the rest.
    """
    total = len(events)
    restarted = spawn("consumer-restarted", consume_argv(), env=env)
    wait_until(lambda: Effect.objects.filter(group=group).count() >= total, process=restarted)
    wait_until(lambda: InboxEvent.objects.filter(group=group).count() >= total, process=restarted)
    restarted.popen.send_signal(signal.SIGTERM)
    assert restarted.popen.wait(30) == 0, restarted.log()[-4000:]

    assert f"handled={total - committed} " in restarted.log()
    applied = effects_by_event(group)
    assert len(applied) == total and set(applied.values()) == {1}
    assert set(applied) == {e.id for e in events}
    assert InboxEvent.objects.filter(group=group).count() == total


# --- 2. SIGKILL in the middle of 10,000 events ----------------------------------------------


def test_a_consumer_killed_mid_stream_applies_every_event_exactly_once(kafka, spawn):  # noqa: F811
    total = 10_000
    events = [user_created(f"k{i}") for i in range(total)]
    transport = get_transport()
    for start in range(0, total, 2000):
        transport.send([e.to_message(kafka.users_topic) for e in events[start : start + 2000]])
    group = kafka.group("killed")
    env = service_env(kafka, group=group)
    victim = spawn("consumer-killed", consume_argv("--idle-timeout", "30"), env=env)

    wait_until(lambda: Effect.objects.filter(group=group).count() >= 1000, process=victim)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.popen.wait(10)
    before_restart = Effect.objects.filter(group=group).count()
    assert before_restart < total, "the consumer finished before it could be killed"

    # The killed member's session must expire before the group hands its partitions over:
    # wait for the effects rather than guess a quiet period, then stop it as a deployment would.
    restart_and_check_exactly_once(spawn, env, group, events, committed=before_restart)


def open_batch_with_effects() -> bool:
    """Whether another session holds a transaction open in which it already wrote ``Effect``
    rows: a consumer in the middle of a batch, its earlier messages applied but not committed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
            " WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
            " AND a.state = 'idle in transaction' AND l.relation = %s::regclass"
            " AND l.mode = 'RowExclusiveLock'",
            [Effect._meta.db_table],
        )
        return cursor.fetchone()[0] > 0


def test_a_consumer_killed_mid_batch_loses_nothing_and_applies_nothing_twice(kafka, spawn):  # noqa: F811
    """SIGKILL while a batch's transaction is open, after some of its messages were applied.

    ``pause-*`` events make their handler sleep inside the batch; the test kills the consumer
    when the database shows that transaction open with effects already written in it. Several
    are spread through the stream in case one starts its batch (then nothing precedes it there).
    """
    total = 3000
    events = [user_created(f"pause-{i}" if i % 600 == 300 else f"b{i}") for i in range(total)]
    get_transport().send([e.to_message(kafka.users_topic) for e in events])
    group = kafka.group("killed-mid-batch")
    env = service_env(kafka, group=group)
    victim = spawn("consumer-killed", consume_argv("--idle-timeout", "30"), env=env)

    wait_until(open_batch_with_effects, process=victim)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.popen.wait(10)
    committed = Effect.objects.filter(group=group).count()
    assert committed < total, "the consumer finished before it could be killed"

    # The killed batch's applied messages were rolled back with it and handled again, once.
    restart_and_check_exactly_once(spawn, env, group, events, committed=committed)


# --- 3. poison messages ------------------------------------------------------------------


def poison_stream(topic: str) -> tuple[list[Message], dict[int, str], list[str]]:
    """Messages for one partition (one key): poison of every kind between valid events.

    Returns the messages, the expected reason by offset, and the ids of the valid events.
    """
    good = [user_created(f"ok-{i}") for i in range(4)]
    template = user_created("any")
    headers = dict(template.to_message(topic).headers)

    def raw(value: bytes, **changes: str | None) -> Message:
        merged = {**headers, **{k: v.encode() for k, v in changes.items() if v is not None}}
        merged = {k: v for k, v in merged.items() if changes.get(k, "") is not None}
        return Message(topic=topic, value=value, key=b"poison", headers=tuple(merged.items()))

    def valid(event: Event) -> Message:
        message = event.to_message(topic)
        return Message(topic=topic, value=message.value, key=b"poison", headers=message.headers)

    body = template.body()
    stream = [
        (raw(b"\x00 not json {", ce_id=str(uuid.uuid4())), "not_json"),
        (valid(good[0]), None),
        (raw(b"{}", ce_id=str(uuid.uuid4()), ce_type="user.teleported"), "unknown_type"),
        (raw(json.dumps({"userId": 7}).encode(), ce_id=str(uuid.uuid4())), "schema"),
        (valid(good[1]), None),
        (raw(body, ce_id=None, ce_source=None), "envelope"),
        (valid(user_created("fail-always-1")), "max_attempts"),
        (valid(good[2]), None),
        (valid(user_created("reject-1")), "rejected"),
        (valid(good[3]), None),
    ]
    reasons = {offset: reason for offset, (_, reason) in enumerate(stream) if reason}
    return [message for message, _ in stream], reasons, [e.id for e in good]


def dead_letter_summary(group: str, count: int) -> list[tuple[str, str, str, bytes | None]]:
    letters = read_topic(deadletter.dlq_topic(group), expected=count)
    return [
        (
            letter.header("dlq_original_offset").decode(),
            letter.header("dlq_reason").decode(),
            letter.header("dlq_original_topic").decode(),
            letter.value,
        )
        for letter in letters
    ]


def test_poison_messages_are_dead_lettered_with_their_reason_and_the_rest_handled(kafka):
    messages, reasons, good_ids = poison_stream(kafka.users_topic)
    get_transport().send(messages)
    group = kafka.group("poison")

    output = run_consumer(kafka, group=group, options=("--max-messages", str(len(messages))))

    assert f"handled={len(good_ids)} " in output and f"dead_lettered={len(reasons)}" in output
    letters = read_topic(deadletter.dlq_topic(group), expected=len(reasons))
    by_offset = {int(m.header("dlq_original_offset")): m for m in letters}
    assert {offset: m.header("dlq_reason").decode() for offset, m in by_offset.items()} == reasons
    for offset, letter in by_offset.items():
        original = messages[offset]
        assert letter.value == original.value and letter.key == original.key
        assert set(original.headers) <= set(letter.headers)
        assert letter.header("dlq_original_topic") == kafka.users_topic.encode()
        assert letter.header("dlq_error")
    attempts = {m.header("dlq_reason"): m.header("dlq_attempts") for m in letters}
    assert attempts[b"max_attempts"] == b"5" and attempts[b"not_json"] == b"0"
    assert set(effects_by_event(group)) == set(good_ids)
    listed = subprocess.run(
        [sys.executable, "-m", "django", "events", "dlq", "list", "--max", str(len(reasons))],
        env=service_env(kafka, group=group), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr[-4000:]
    lines = [json.loads(line) for line in listed.stdout.splitlines()]
    assert sorted(line["reason"] for line in lines) == sorted(reasons.values())


# --- 4. a rolled-back transaction ----------------------------------------------------------


def test_a_rolled_back_transaction_publishes_nothing(kafka):
    data = {**get_type("user.created").example, "userId": "same-aggregate"}
    with pytest.raises(RuntimeError), transaction.atomic():
        publish("user.created", data)
        raise RuntimeError("business rule failed")
    sentinel = publish("user.created", data)  # same key: same partition, after it

    assert OutboxEvent.objects.count() == 1
    assert relay_pending() == 1
    group = kafka.group("rollback")
    stats = ConsumerEngine(group=group, topics=[kafka.users_topic]).run(
        max_messages=1, timeout=RUN_TIMEOUT
    )

    assert stats.messages == 1
    assert list(Effect.objects.filter(group=group).values_list("event_id", flat=True)) == [
        sentinel.id
    ]


# --- 5. Celery worker and consume_events, same stream ----------------------------------------


def mixed_stream(topic: str) -> list[Message]:
    """Handled, ignored, retried, rejected, poison and task-spawning events, in one partition."""
    events = (
        [event_of("user.created", f"m{i}") for i in range(10)]
        + [event_of("user.updated", f"m{i}") for i in range(3)]
        + [event_of("user.deleted", f"m{i}") for i in range(4)]
        + [user_created("fail-twice-1"), user_created("reject-2")]
    )
    messages = [e.to_message(topic) for e in events]
    messages.insert(5, Message(topic=topic, value=b"garbage", headers=messages[0].headers))
    return [
        Message(topic=m.topic, value=m.value, key=b"mixed", headers=m.headers) for m in messages
    ]


def group_outcome(group: str) -> tuple[Counter, list]:
    effects = Counter(Effect.objects.filter(group=group).values_list("event_id", "type", "note"))
    return effects, sorted(dead_letter_summary(group, 2))


def test_a_celery_worker_and_consume_events_handle_a_stream_identically(kafka, spawn, tmp_path):  # noqa: F811
    messages = mixed_stream(kafka.users_topic)
    get_transport().send(messages)
    expected_effects = 10 + 4 + 4 + 1  # created, deleted, their tasks, the retried one
    worker_group, command_group = kafka.group("celery"), kafka.group("command")
    celery_env = {"CELERY_BROKER_URL": REDIS_URL}
    worker = spawn(
        "celery-worker",
        [sys.executable, "-m", "celery", "-A", "tests.testapp.celery_app", "worker",
         "--pool", "prefork", "--concurrency", "1", "--events-consumer", "-l", "info",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=service_env(
            kafka, group=worker_group, CELERY_PROMETHEUS_PORT=str(free_port()),
            WANZO_METRICS_DIR=str(tmp_path), **celery_env,
        ),
    )  # fmt: skip

    output = run_consumer(
        kafka, group=command_group, options=("--max-messages", str(len(messages))), **celery_env
    )
    for group in (worker_group, command_group):
        wait_until(
            lambda g=group: Effect.objects.filter(group=g).count() >= expected_effects,
            process=worker,
        )
    worker.popen.send_signal(signal.SIGTERM)  # warm shutdown: the step stops with the worker
    assert worker.popen.wait(60) == 0, worker.log()[-4000:]

    assert "handled=15 " in output and "ignored=3" in output and "dead_lettered=2" in output
    assert "events consumer stopped" in worker.log()
    worker_effects, worker_letters = group_outcome(worker_group)
    command_effects, command_letters = group_outcome(command_group)
    assert sum(worker_effects.values()) == expected_effects
    assert worker_effects == command_effects
    assert [(offset, reason) for offset, reason, *_ in worker_letters] == [
        (offset, reason) for offset, reason, *_ in command_letters
    ]
    assert {reason for _, reason, *_ in worker_letters} == {"not_json", "rejected"}


# --- 6. a rebalance mid-stream --------------------------------------------------------------


def handled_by(port: int) -> float:
    """``kafka_events_consumed_total{outcome="handled"}`` of a consumer process, all types."""
    try:
        samples = scrape(port)
    except OSError:  # not serving yet
        return 0.0
    return sum(
        value
        for (name, labels), value in samples.items()
        if name == "kafka_events_consumed_total" and dict(labels).get("outcome") == "handled"
    )


def summary_count(log: str, outcome: str) -> int:
    """``handled=N`` from the summary line ``consume_events`` prints at exit."""
    [line] = [line for line in log.splitlines() if line.startswith("consumed ")]
    return int(line.split(f"{outcome}=")[1].split()[0].rstrip(","))


@pytest.mark.parametrize("protocol", ["classic", "consumer"])
def test_a_consumer_joining_and_leaving_mid_stream_shares_partitions_and_loses_nothing(
    kafka, spawn, protocol  # noqa: F811
):
    """A second member joins the group, takes partitions, then leaves; the stream never stops.

    ``classic`` is the eager join/sync protocol, ``consumer`` KIP-848's broker-side assignment.
    One topic only: KIP-848's assignor balances the count of partitions over all subscribed
    topics, so with the five family topics the newcomer may rightly get only idle ones.
    """
    transport = get_transport()
    sent: list[str] = []

    def send(count: int) -> None:
        events = [user_created(f"r{len(sent) + i}") for i in range(count)]  # keys on every partition
        transport.send([event.to_message(kafka.users_topic) for event in events])
        sent.extend(event.id for event in events)

    group = kafka.group(f"rebalance-{protocol}")
    env = service_env(kafka, group=group, KAFKA_GROUP_PROTOCOL=protocol)
    ports = free_port(), free_port()
    argv = [*consume_argv(), "--topics", kafka.users_topic, "--metrics-port"]
    first = spawn("consumer-first", [*argv, str(ports[0])], env=env)
    send(500)
    wait_until(lambda: Effect.objects.filter(group=group).count() >= 500, process=first)

    second = spawn("consumer-second", [*argv, str(ports[1])], env=env)
    deadline = time.monotonic() + RUN_TIMEOUT
    while handled_by(ports[1]) == 0:  # keep the stream going until the newcomer has a share
        second.check_running()
        assert time.monotonic() < deadline, "the second consumer never got a partition"
        send(50)
        time.sleep(0.2)
    send(500)
    second.popen.send_signal(signal.SIGTERM)  # leaves the group mid-stream
    send(500)
    assert second.popen.wait(60) == 0, second.log()[-4000:]
    send(500)

    wait_until(lambda: Effect.objects.filter(group=group).count() >= len(sent), process=first)
    first.popen.send_signal(signal.SIGTERM)
    assert first.popen.wait(60) == 0, first.log()[-4000:]

    applied = effects_by_event(group)
    assert set(applied) == set(sent) and set(applied.values()) == {1}
    shares = summary_count(first.log(), "handled"), summary_count(second.log(), "handled")
    assert min(shares) > 0 and sum(shares) == len(sent), shares


# --- 7. the broker restarts mid-stream ------------------------------------------------------


class KafkaServer:
    """A real Apache Kafka of this test's own (``deploy/kafka/start.sh``), which it can restart."""

    def __init__(self, spawn, data_dir) -> None:  # noqa: F811
        self.spawn = spawn
        self.port, self.controller_port = free_port(), free_port()
        self.env = child_env(
            KAFKA_DATA_DIR=str(data_dir),
            KAFKA_PORT=str(self.port),
            KAFKA_CONTROLLER_PORT=str(self.controller_port),
        )
        self.process = None
        self.starts = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        argv = [str(REPO / "deploy" / "kafka" / "start.sh")]
        self.process = self.spawn(f"kafka-{self.starts}", argv, env=self.env)
        wait_until(lambda: "ready on" in self.process.log(), process=self.process, timeout=180)

    def stop(self) -> None:
        self.process.popen.send_signal(signal.SIGTERM)
        assert self.process.popen.wait(120) == 0, self.process.log()[-4000:]


def test_a_broker_restart_mid_stream_loses_nothing_and_applies_nothing_twice(
    kafka, spawn, tmp_path, settings  # noqa: F811
):
    """Stop and restart the Kafka process while the relay publishes and a consumer consumes."""
    if is_dev_broker(kafka.address):
        pytest.skip(
            "restarting needs a real Apache Kafka (the dev broker keeps its data in memory): "
            "make kafka, then KAFKA_BROKERS=127.0.0.1:9092 make test"
        )
    server = KafkaServer(spawn, tmp_path / "kafka-data")
    server.start()
    settings.WANZO_EVENTS = kafka_settings(server.address, dev_broker=False, **{
        key: settings.WANZO_EVENTS[key] for key in ("TOPIC_PREFIX", "CONSUMER_GROUP_ID", "SOURCE")
    })  # fmt: skip
    restarted = Kafka(address=server.address, prefix=kafka.prefix, dev_broker=False)
    group = kafka.group("restart")
    env = service_env(restarted, group=group)
    relay = spawn("relay", [sys.executable, "-m", "django", "relay_outbox", "--interval", "0.1"],
                  env=env)  # fmt: skip
    # Stopping and starting the broker may take minutes on a busy machine, longer than the usual
    # RUN_TIMEOUT: this consumer runs until the test stops it.
    consumer = spawn("consumer", consume_argv("--timeout", "900"), env=env)
    published: list[str] = []

    def publish_chunk(size: int = 100) -> None:
        with transaction.atomic():
            published.extend(
                publish("user.created", {**get_type("user.created").example,
                                         "userId": f"b{len(published) + i}"}).id
                for i in range(size)
            )  # fmt: skip

    for _ in range(10):
        publish_chunk()
    wait_until(lambda: Effect.objects.filter(group=group).count() >= 300, process=consumer)

    server.stop()  # mid-stream: the relay and the consumer lose their broker
    for _ in range(10):
        publish_chunk()  # the outbox keeps these while the broker is down
    server.start()
    for _ in range(10):
        publish_chunk()

    def all_applied() -> bool:
        relay.check_running()
        return Effect.objects.filter(group=group).count() >= len(published)

    wait_until(all_applied, process=consumer, timeout=180)
    wait_until(lambda: not OutboxEvent.objects.filter(sent_at__isnull=True).exists(), process=relay)
    consumer.popen.send_signal(signal.SIGTERM)
    assert consumer.popen.wait(60) == 0, consumer.log()[-4000:]

    applied = effects_by_event(group)
    assert set(applied) == set(published) and set(applied.values()) == {1}
    assert InboxEvent.objects.filter(group=group).count() == len(published)
