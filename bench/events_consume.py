"""Consuming: events/s through the consumer engine (inbox on PostgreSQL), batched and with a batch
size of 1, and the publish-to-handler latency at a steady 500 events/s in immediate mode.

    .venv/bin/python bench/events_consume.py            # 3 rounds x 6,000 events; 20 s stream
    .venv/bin/python bench/events_consume.py --quick    # 2 rounds x 2,000 events; 8 s stream

1. Throughput. N ``user.created`` events are written to a fresh topic once; then each round
   reads all of them with each variant of ``_events_consume_loops`` (the engine batched as
   configured, the same engine with a batch size of 1, a raw consumer loop for scale), each in
   a new consumer group from the beginning, in an order that rotates per round. Figures are
   medians of the per-round rates (first to last message handled); the batched / batch-size-1
   ratio is the median of the per-round ratios. Each round also times 500 durable commits of one
   inbox row on one connection, without Kafka: the database's own ceiling for one engine
   committing per event, which on a VM disk varies from minute to minute.
   Goals: batched >= 3,000 events/s, and >= 2.5 x batch size 1.
2. Latency. The engine (batched, as configured) runs in a thread of this process, in a new
   group from the end of the topic, with a handler that records ``now - payload["timestamp"]``.
   Once every engine has handled warm-up events and every partition is served,
   ``_events_latency_producer.py`` (another process, so that it does not share this one's
   interpreter lock) publishes with ``publish(..., immediate=True)`` at 500 events/s; p50/p99
   cover every event it sent. Run once with one engine and once with four (one per partition of
   the dev broker's topics, as four ``consume_events`` processes would be). Goal: p99 < 50 ms.

Broker: a dev broker started for the run, or ``KAFKA_BROKERS``. Database:
``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/wanzo_bench``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time

import _events_common as common
import _events_consume_loops as loops

GOAL_P99 = 0.050
GOAL_RATE = 3_000
GOAL_RATIO = 2.5
TYPE = "user.created"


def fill(transport, count: int) -> str:
    """Write ``count`` events to the bench's users topic; return the topic."""
    from wanzo_common.events.publisher import build

    common.ensure_topic(transport, TYPE)
    messages = [build(TYPE, common.user_created(i, run="tp-"))[1] for i in range(count)]
    for first in range(0, count, 5000):
        transport.send(messages[first : first + 5000], timeout=60)
    return messages[0].topic


def throughput(transport, *, rounds: int, count: int) -> dict[str, list[float]]:
    topic = fill(transport, count)
    names = [*loops.VARIANTS, "commits", "round trips"]
    rates: dict[str, list[float]] = {name: [] for name in names}
    loops.engine(transport=transport, topic=topic, group="bench-warm", count=min(count, 200))
    for round_no in range(rounds):
        for name in common.rotated(names, round_no):
            if name == "commits":  # the database alone, in the same round: its fsync varies
                rates[name].append(common.commit_rate(min(count, 500)))
                continue
            if name == "round trips":  # what a savepoint costs; it grows with the machine's load
                rates[name].append(round_trip_rate(500))
                continue
            group = f"bench-{name}-{round_no}"
            run = loops.VARIANTS[name]
            rates[name].append(run(transport=transport, topic=topic, group=group, count=count))
    return rates


def round_trip_rate(count: int) -> float:
    """``SELECT 1`` round trips per second on one connection: the batched engine's unit of cost
    (a savepoint and its release per event)."""
    from django.db import connection

    start = time.perf_counter()
    for _ in range(count):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    return count / (time.perf_counter() - start)


class LatencyRecorder:
    """The latency handler: ``now - published`` for the measured stream; tracks the warm-up."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.members: set[int] = set()  # engine threads that handled a warm-up event
        self.partitions: set[int] = set()

    def __call__(self, event) -> None:
        received = time.time()
        if event.subject.startswith("usr_warm-"):
            from wanzo_common.events.registry import current_delivery

            self.members.add(threading.get_ident())
            self.partitions.add(current_delivery().message.partition)
            return
        self.samples.append(received - common.parse_timestamp(event.data["timestamp"]))


def latency(
    transport, env: dict, *, rate: int, seconds: float, consumers: int
) -> tuple[list[float], str]:
    """Stream at ``rate`` to ``consumers`` engines of one group; return (latencies, producer's line)."""
    from wanzo_common.events.consumer import ConsumerEngine
    from wanzo_common.events.registry import HandlerRegistry
    from wanzo_common.events.types import topic_for

    recorder, handlers = LatencyRecorder(), HandlerRegistry()
    handlers.register(TYPE, recorder)
    group, topic = f"bench-latency-{consumers}", topic_for(TYPE)
    engines = [ConsumerEngine(group=group, topics=[topic], transport=transport,
                              handlers=handlers, from_beginning=False) for _ in range(consumers)]  # fmt: skip
    threads = [threading.Thread(target=_run, args=(engine,), daemon=True) for engine in engines]
    for thread in threads:
        thread.start()
    _warm_up(transport, recorder, consumers=consumers, partitions=_partitions(transport, topic))
    sent = _produce(env, rate=rate, seconds=seconds)
    expected = int(sent.split()[1])
    deadline = time.monotonic() + 30
    while len(recorder.samples) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    for engine in engines:
        engine.stop()
    for thread in threads:
        thread.join(30)
    return recorder.samples, sent


def _run(engine) -> None:
    from django.db import connections

    try:
        engine.run(poll_interval=0.1)
    finally:
        connections.close_all()  # this thread's connection


def _partitions(transport, topic: str) -> int:
    return len(transport.producer.list_topics(topic, timeout=10).topics[topic].partitions)


def _warm_up(transport, recorder: LatencyRecorder, *, consumers: int, partitions: int) -> None:
    """Publish until every engine has joined and every partition is served."""
    from wanzo_common.events.publisher import publish

    wanted = min(consumers, partitions)
    for index in range(3000):
        publish(TYPE, common.user_created(index, run="warm-"), immediate=True)
        transport.flush(5)
        if len(recorder.members) >= wanted and len(recorder.partitions) >= partitions:
            time.sleep(0.5)  # let the last events of the warm-up drain
            return
        time.sleep(0.02)
    raise SystemExit("latency: the engines did not all receive warm-up events")


def _produce(env: dict, *, rate: int, seconds: float) -> str:
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_events_latency_producer.py")
    result = subprocess.run([sys.executable, script, str(rate), str(seconds)],
                            env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=seconds + 60)  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"latency producer failed:\n{result.stderr[-2000:]}")
    return result.stdout.strip().splitlines()[-1]


def report_throughput(rates: dict[str, list[float]], *, rounds: int, count: int) -> None:
    from wanzo_common.events.conf import app_settings

    median = {name: common.median(values) for name, values in rates.items()}
    size, wait = app_settings.BATCH_SIZE, app_settings.BATCH_MAX_WAIT_MS
    print(f"\n[1] throughput: {rounds} rounds x {count:,} events per variant, fresh group each")
    common.row("PostgreSQL alone: INSERT+COMMIT, no Kafka", common.rate(median["commits"]),
               "rounds: " + ", ".join(f"{v:,.0f}" for v in rates["commits"]))  # fmt: skip
    common.row("PostgreSQL round trip (SELECT 1)", f"{1e6 / median['round trips']:.0f} µs",
               "rounds: " + ", ".join(f"{1e6 / v:.0f}" for v in rates["round trips"]))  # fmt: skip
    common.row("raw Consumer loop (poll, json, store offset)", common.rate(median["raw"]),
               "(for scale)")  # fmt: skip
    common.row("ConsumerEngine, batch size 1 (commit per event)", common.rate(median["engine-1"]),
               "rounds: " + ", ".join(f"{v:,.0f}" for v in rates["engine-1"]))  # fmt: skip
    common.row(f"ConsumerEngine, batches of {size} (wait {wait} ms)", common.rate(median["engine"]),
               "rounds: " + ", ".join(f"{v:,.0f}" for v in rates["engine"]))  # fmt: skip
    common.row(f"goal: batched >= {GOAL_RATE:,}/s", common.at_least(median["engine"], GOAL_RATE))
    ratios = [b / one for b, one in zip(rates["engine"], rates["engine-1"], strict=True)]
    ratio = common.median(ratios)
    common.row("batched / batch size 1", f"{ratio:.2f}",
               "rounds: " + ", ".join(f"{v:.2f}" for v in ratios))  # fmt: skip
    common.row(f"goal: ratio >= {GOAL_RATIO}", common.at_least(ratio, GOAL_RATIO))
    per_event = 1e6 / median["engine"]
    common.row("  batched engine's cost per event", f"{per_event:.0f} µs",
               f"= {per_event * median['round trips'] / 1e6:.1f} round trips")  # fmt: skip


def report_latency(samples: list[float], sent: str, *, rate: int, consumers: int) -> None:
    _, total, achieved = sent.split()
    members = "1 engine" if consumers == 1 else f"{consumers} engines in one group"
    print(f"\n[2] latency: publish(immediate=True) -> handler, {members}; {rate}/s target, "
          f"{total} events sent at {float(achieved):.0f}/s")  # fmt: skip
    if len(samples) < int(total):
        common.row("events handled", f"{len(samples)} of {total}", "(some never arrived)")
    p50, p99 = common.percentile(samples, 0.50), common.percentile(samples, 0.99)
    common.row("p50", f"{p50 * 1e3:.1f} ms")
    common.row("p99", f"{p99 * 1e3:.1f} ms", f"max {max(samples) * 1e3:.1f} ms")
    common.row("goal: p99 < 50 ms", "PASS" if p99 < GOAL_P99 and len(samples) >= int(total)
               else "MISS")  # fmt: skip


def _counts(text: str) -> list[int]:
    return [int(item) for item in text.split(",") if item.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, shorter stream")
    parser.add_argument("--rounds", type=int, help="throughput rounds (default 3, quick 2)")
    parser.add_argument("--events", type=int, help="events per throughput round (6000 / 2000)")
    parser.add_argument("--rate", type=int, default=500, help="latency stream, events/s")
    parser.add_argument("--seconds", type=float, help="latency stream length (20 / 8)")
    parser.add_argument("--consumers", type=_counts, default=[1, 4],
                        help="engines in the latency group, one run each (default 1,4)")  # fmt: skip
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 3)
    count = args.events or (2_000 if args.quick else 6_000)
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    title = "events_consume: ConsumerEngine batched vs batch size 1; latency"
    with common.database_run(title, quick=args.quick) as (_brokers, _dev, env):
        common.empty_events_tables()
        from wanzo_common.events.transports import get_transport

        transport = get_transport()
        rates = throughput(transport, rounds=rounds, count=count)
        report_throughput(rates, rounds=rounds, count=count)
        for consumers in args.consumers:
            samples, sent = latency(
                transport, env, rate=args.rate, seconds=seconds, consumers=consumers
            )
            report_latency(samples, sent, rate=args.rate, consumers=consumers)
        common.empty_events_tables()
        common.close_clients()


if __name__ == "__main__":
    main()
