"""Outbox relay throughput on PostgreSQL: how fast a backlog of outbox rows reaches the broker.

    .venv/bin/python bench/events_outbox.py            # 3 rounds x 20,000 events
    .venv/bin/python bench/events_outbox.py --quick    # 2 rounds x 5,000

Each round first writes N outbox rows through ``publish("user.created", ...)`` (the default,
transactional mode) in transactions of ``--per-tx`` events, and prints that insert rate. Then it
times two ways of getting those N events to the broker, in an order that alternates per round:

- **relay**: ``relay_outbox()`` called until it returns 0, as ``manage.py relay_outbox`` does:
  per batch (``RELAY_BATCH``, 500) one transaction that locks the rows
  (``FOR UPDATE SKIP LOCKED``), checks per-key order, sends them, waits for every
  acknowledgement and marks them sent;
- **raw** (for scale, no goal): a raw confluent-kafka producer, configured as our transport,
  sending the same rows' bytes (read beforehand) and flushing: the broker's ceiling.

After the relay the outbox must have no pending row and the topic must have grown by N.
Database: ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/wanzo_bench``),
created if missing, migrated, its events tables emptied at each round.
"""

from __future__ import annotations

import argparse
import time

import _events_common as common

GOAL_RATE = 5000
TYPE = "user.created"


def insert(count: int, *, per_tx: int, round_no: int) -> float:
    """Write ``count`` outbox rows through ``publish``; return the seconds it took."""
    from django.db import transaction

    from wanzo_common.events.publisher import publish

    payloads = [common.user_created(i, run=f"r{round_no}-") for i in range(count)]
    start = time.perf_counter()
    for first in range(0, count, per_tx):
        with transaction.atomic():
            for payload in payloads[first : first + per_tx]:
                publish(TYPE, payload)
    return time.perf_counter() - start


def relay(*, batch: int | None) -> tuple[float, int, int]:
    """Drain the outbox; return (seconds, events sent, batches)."""
    from wanzo_common.events.relay import relay_outbox

    sent = batches = 0
    start = time.perf_counter()
    while moved := relay_outbox(batch=batch):
        sent += moved
        batches += 1
    return time.perf_counter() - start, sent, batches


def pending_messages() -> list[tuple]:
    from wanzo_common.events.models import OutboxEvent

    rows = OutboxEvent.objects.filter(sent_at__isnull=True).order_by("id")
    return [(m.topic, m.value, m.key, list(m.headers)) for m in (row.to_message() for row in rows)]


def make_raw(transport):
    from confluent_kafka import Producer

    from wanzo_common.events.transports.kafka import PRODUCER_DEFAULTS

    producer = Producer({**transport.common, **PRODUCER_DEFAULTS})

    def run(messages) -> float:
        failed = []
        start = time.perf_counter()
        for topic, value, key, headers in messages:
            producer.produce(topic, value=value, key=key, headers=headers,
                             on_delivery=lambda err, msg: err and failed.append(err))  # fmt: skip
            producer.poll(0)
        if producer.flush(30) or failed:
            raise SystemExit(f"raw producer: {len(failed)} delivery failure(s)")
        return time.perf_counter() - start

    return run


def check_drained(*, brokers: str, topic: str, before: int, count: int) -> int:
    from wanzo_common.events.models import OutboxEvent

    left = OutboxEvent.objects.filter(sent_at__isnull=True).count()
    grown = common.end_offsets(brokers, topic) - before
    if left or grown < count:
        raise SystemExit(f"relay incomplete: {left} row(s) pending, topic grew by {grown}")
    return grown


def bench(*, brokers: str, rounds: int, count: int, per_tx: int, batch: int | None) -> dict:
    from wanzo_common.events.publisher import publish
    from wanzo_common.events.transports import get_transport

    transport = get_transport()
    raw_run = make_raw(transport)
    topic = common.ensure_topic(transport, TYPE)
    publish(TYPE, common.user_created(0, run="warm-"), immediate=True)  # creates the topic
    transport.flush(10)
    figures: dict[str, list[float]] = {"insert": [], "relay": [], "raw": [], "batches": []}
    for round_no in range(rounds):
        common.empty_events_tables()
        figures["insert"].append(count / insert(count, per_tx=per_tx, round_no=round_no))
        messages = pending_messages()
        for name in common.rotated(["relay", "raw"], round_no):
            if name == "raw":
                figures["raw"].append(count / raw_run(messages))
                continue
            before = common.end_offsets(brokers, topic)
            seconds, sent, batches = relay(batch=batch)
            check_drained(brokers=brokers, topic=topic, before=before, count=count)
            figures["relay"].append(sent / seconds)
            figures["batches"].append(batches)
    return figures


def report(figures: dict, *, rounds: int, count: int, per_tx: int, batch: int) -> None:
    insert, relay, raw = (common.median(figures[k]) for k in ("insert", "relay", "raw"))
    print(f"\n  {rounds} rounds x {count:,} events; relay batch {batch}; order alternating")
    common.row(f"insert via publish(), {per_tx} per transaction", common.rate(insert),
               f"{insert / per_tx:,.0f} transactions/s")  # fmt: skip
    common.row("raw producer, same bytes (broker ceiling)", common.rate(raw))
    rounds_text = ", ".join(f"{value:,.0f}" for value in figures["relay"])
    common.row("relay_outbox until drained", common.rate(relay), f"rounds: {rounds_text}")
    common.row("  per batch", f"{batch / relay * 1e3:.1f} ms",
               f"{common.median(figures['batches']):.0f} batches per round")  # fmt: skip
    common.row("relay / raw", f"{relay / raw:.2f}", "(info)")
    common.row(f"goal: relay >= {GOAL_RATE:,}/s", common.at_least(relay, GOAL_RATE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and smaller rounds")
    parser.add_argument("--rounds", type=int, help="rounds (default 3, quick 2)")
    parser.add_argument("--events", type=int, help="outbox rows per round (20000 / 5000)")
    parser.add_argument("--per-tx", type=int, default=10, help="publish() calls per transaction")
    parser.add_argument("--batch", type=int, help="relay batch (default RELAY_BATCH)")
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 3)
    count = args.events or (5_000 if args.quick else 20_000)
    title = "events_outbox: relay throughput on PostgreSQL"
    with common.database_run(title, quick=args.quick) as (brokers, _dev, _env):
        from wanzo_common.events.conf import app_settings

        batch = args.batch or app_settings.RELAY_BATCH
        figures = bench(brokers=brokers, rounds=rounds, count=count, per_tx=args.per_tx,
                        batch=batch)  # fmt: skip
        common.empty_events_tables()
        common.close_clients()
        report(figures, rounds=rounds, count=count, per_tx=args.per_tx, batch=batch)


if __name__ == "__main__":
    main()
