"""Events per second through ``publish(..., immediate=True)`` against a raw confluent-kafka producer.

    .venv/bin/python bench/events_publish.py            # 7 rounds x 30,000 events per variant
    .venv/bin/python bench/events_publish.py --quick    # 5 rounds x 10,000

Both variants send ``user.created`` events to the same topic of the same broker (a dev broker
started for the run, or ``KAFKA_BROKERS``), with the same librdkafka configuration (our
transport's: idempotent, ``acks=all``, ``linger.ms=5``) and the same delivery-report check:

- **ours**: ``publish("user.created", payload, immediate=True)`` for prebuilt payload dicts:
  schema validation, the CloudEvents envelope (id, time, traceparent, headers), JSON encoding,
  ``produce`` + ``poll(0)`` and the published counter in the delivery report;
- **raw**: ``Producer.produce(topic, value, key, headers)`` + ``poll(0)`` of the very bytes
  ``publish`` built for the same payloads (same topic, key, headers), prepared before timing;
- **build** (for the breakdown, nothing sent): ``publisher.build()`` alone, i.e. validation,
  envelope and encoding, the part of ``publish`` that happens before librdkafka.

A round times each variant for N events *including* the final ``flush()``, so both pay for
every acknowledgement; the variants' order alternates from round to round. Figures are
medians of the per-round rates; the ratio is the median of the per-round ratios ours / raw.
"""

from __future__ import annotations

import argparse
import time

import _events_common as common

GOAL_RATIO = 0.6
TYPE = "user.created"


def make_raw(transport):
    """A raw producer configured as our transport's, and its ``run(messages)``."""
    from confluent_kafka import Producer

    from wanzo_common.events.transports.kafka import PRODUCER_DEFAULTS

    producer = Producer({**transport.common, **PRODUCER_DEFAULTS})
    failed = [0]

    def report(err, msg) -> None:
        if err is not None:
            failed[0] += 1

    def run(messages) -> None:
        produce, poll = producer.produce, producer.poll
        for topic, value, key, headers in messages:
            produce(topic, value=value, key=key, headers=headers, on_delivery=report)
            poll(0)
        if producer.flush(30) or failed[0]:
            raise SystemExit(f"raw producer: {failed[0]} delivery failure(s)")

    return producer, run


def make_ours(transport):
    from wanzo_common.events.publisher import publish

    def run(payloads) -> None:
        for payload in payloads:
            publish(TYPE, payload, immediate=True)
        if transport.flush(30):
            raise SystemExit("publish: messages left unsent after flush")

    return run


def make_build():
    """For the breakdown: building the event and its message alone, nothing sent."""
    from wanzo_common.events.publisher import build

    def run(payloads) -> None:
        for payload in payloads:
            build(TYPE, payload)

    return run


def prepare(count: int, round_no: int) -> tuple[list[dict], list[tuple]]:
    """Payloads for ``publish`` and, for the raw producer, the bytes publish makes of them."""
    from wanzo_common.events.publisher import build

    payloads = [common.user_created(i, run=f"r{round_no}-") for i in range(count)]
    raw = []
    for payload in payloads:
        _, message = build(TYPE, payload)
        raw.append((message.topic, message.value, message.key, list(message.headers)))
    return payloads, raw


def timed(run, items) -> float:
    start = time.perf_counter()
    run(items)
    return time.perf_counter() - start


def bench(*, rounds: int, count: int) -> dict[str, list[float]]:
    from wanzo_common.events.transports import get_transport

    transport = get_transport()
    common.ensure_topic(transport, TYPE)
    raw_producer, raw_run = make_raw(transport)
    ours_run = make_ours(transport)
    runs = {"ours": ours_run, "raw": raw_run, "build": make_build()}
    # Warm-up: topic creation, connections, producer ids, code paths.
    warm_payloads, warm_raw = prepare(2000, -1)
    ours_run(warm_payloads)
    raw_run(warm_raw)
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for round_no in range(rounds):
        payloads, raw = prepare(count, round_no)
        for name in common.rotated(list(runs), round_no):
            rates[name].append(count / timed(runs[name], raw if name == "raw" else payloads))
    raw_producer.flush(10)
    return rates


def report(rates: dict[str, list[float]], *, rounds: int, count: int) -> None:
    ratios = [ours / raw for ours, raw in zip(rates["ours"], rates["raw"], strict=True)]
    ours, raw, ratio = (common.median(v) for v in (rates["ours"], rates["raw"], ratios))
    print(f"\n  {rounds} rounds x {count:,} events per variant, flush included, order alternating")
    common.row("raw confluent_kafka.Producer (same bytes)", common.rate(raw))
    common.row("publish(immediate=True)", common.rate(ours))
    common.row("  per event: raw", f"{1e6 / raw:.1f} µs")
    common.row("  per event: publish", f"{1e6 / ours:.1f} µs", f"+{1e6 / ours - 1e6 / raw:.1f} µs")
    build = common.median(rates["build"])
    common.row("    of which build(): validate, envelope, JSON", f"{1e6 / build:.1f} µs", "(info)")
    spread = f"rounds {min(ratios):.2f}..{max(ratios):.2f}"
    common.row("ratio publish / raw (median of rounds)", f"{ratio:.2f}", spread)
    verdict = common.at_least(ratio, GOAL_RATIO)
    common.row("goal: ratio >= 0.6", verdict, f"(publish may add <= {_budget(raw):.1f} µs/event)")


def _budget(raw: float) -> float:
    """Per-event time publish may add to raw's and still reach the goal ratio."""
    return (1 / GOAL_RATIO - 1) * 1e6 / raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and smaller rounds")
    parser.add_argument("--rounds", type=int, help="rounds (default 7, quick 5)")
    parser.add_argument("--events", type=int, help="events per variant per round (30000/10000)")
    args = parser.parse_args()
    rounds = args.rounds or (5 if args.quick else 7)
    count = args.events or (10_000 if args.quick else 30_000)
    started = time.perf_counter()
    with common.broker() as (brokers, dev):
        common.setup_django(brokers=brokers, dev=dev)
        common.header("events_publish: publish(immediate=True) vs raw producer",
                      brokers=brokers, dev=dev, quick=args.quick)  # fmt: skip
        rates = bench(rounds=rounds, count=count)
        common.close_clients()
        report(rates, rounds=rounds, count=count)
        common.footer(started)


if __name__ == "__main__":
    main()
