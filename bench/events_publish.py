"""``publish(..., immediate=True)`` against a raw confluent-kafka producer sending the same bytes.

    .venv/bin/python bench/events_publish.py            # 7 rounds per section
    .venv/bin/python bench/events_publish.py --quick    # 5 rounds, fewer events

Every variant sends ``user.created`` events to the same topic of the same broker (a dev broker
started for the run, or ``KAFKA_BROKERS``) with the same librdkafka configuration (our
transport's ``producer_config``: idempotent, ``acks=all``, ``linger.ms=5``). The raw producer
sends the very bytes ``publish`` builds for the same payloads (topic, key, value, headers),
prepared before timing. Two sections, each timed side by side in one run:

[1] **Acknowledged, one by one** (the goal): what a caller of ``immediate=True`` pays.

- ours: ``publish(TYPE, payload, immediate=True)`` then ``transport.flush()``: the flush makes
  the figure the same whichever the branch's ``immediate`` does (when ``publish`` already waits
  for the acknowledgement, nothing is left to flush and it returns at once);
- raw: ``produce(...)`` + ``flush()`` for every message: produce, then wait for its
  acknowledgement.

[2] **Encoding side, not waiting** (what the envelope libraries decide): N events queued, then one
``flush()`` at the end of the round, so both pay every acknowledgement once.

- ours: ``Event.create`` (validation, id, time, traceparent) + ``to_message`` (JSON body,
  headers) + the transport's ``send_async`` (``produce`` + ``poll(0)``, delivery reports counted);
- raw: ``produce(...)`` + ``poll(0)`` of the prebuilt bytes, with a delivery callback;
- build (information, nothing sent): ``Event.create`` + ``to_message`` alone.

Wall time (the work happens in librdkafka's threads and the broker as much as in this thread).
The variants' order rotates from round to round; figures are medians of the per-round rates,
a ratio is the median of the per-round ratios ours / raw.
"""

from __future__ import annotations

import argparse
import time

import _events_common as common

GOAL_RATIO = 0.6
TYPE = "user.created"


def make_raw(transport):
    """A raw producer configured as our transport's: ``(producer, acked_run, queued_run)``."""
    from confluent_kafka import Producer

    from wanzo_common.events.transports.kafka_config import producer_config

    producer = Producer(producer_config(transport.common, transport.options))
    failed = [0]

    def report(err, msg) -> None:
        if err is not None:
            failed[0] += 1

    def check() -> None:
        if failed[0]:
            raise SystemExit(f"raw producer: {failed[0]} delivery failure(s)")

    def acked(messages) -> None:
        produce, flush = producer.produce, producer.flush
        for topic, value, key, headers in messages:
            produce(topic, value=value, key=key, headers=headers, on_delivery=report)
            if flush(30):
                raise SystemExit("raw producer: a message was not acknowledged in 30 s")
        check()

    def queued(messages) -> None:
        produce, poll = producer.produce, producer.poll
        for topic, value, key, headers in messages:
            produce(topic, value=value, key=key, headers=headers, on_delivery=report)
            poll(0)
        if producer.flush(30):
            raise SystemExit("raw producer: messages left unsent after flush")
        check()

    return producer, acked, queued


def make_ours_acked(transport):
    from wanzo_common.events.publisher import publish

    def run(payloads) -> None:
        for payload in payloads:
            publish(TYPE, payload, immediate=True)
            if transport.flush(30):
                raise SystemExit("publish: an event was not acknowledged in 30 s")

    return run


def make_ours_queued(transport):
    from wanzo_common.events.conf import app_settings
    from wanzo_common.events.envelope import Event

    source, send = app_settings.SOURCE, transport.send_async

    def run(payloads) -> None:
        for payload in payloads:
            send(Event.create(TYPE, payload, source=source).to_message())
        if transport.flush(30):
            raise SystemExit("send_async: messages left unsent after flush")

    return run


def make_build():
    from wanzo_common.events.conf import app_settings
    from wanzo_common.events.envelope import Event

    source = app_settings.SOURCE

    def run(payloads) -> None:
        for payload in payloads:
            Event.create(TYPE, payload, source=source).to_message()

    return run


def prepare(count: int, label: str) -> tuple[list[dict], list[tuple]]:
    """Payloads for ours and, for the raw producer, the bytes publish makes of them."""
    from wanzo_common.events.conf import app_settings
    from wanzo_common.events.envelope import Event

    payloads = [common.user_created(i, run=f"{label}-") for i in range(count)]
    raw = []
    for payload in payloads:
        message = Event.create(TYPE, payload, source=app_settings.SOURCE).to_message()
        raw.append((message.topic, message.value, message.key, list(message.headers)))
    return payloads, raw


def timed_rounds(runs: dict, *, rounds: int, count: int, section: str) -> dict[str, list[float]]:
    """Events per second of each variant in each round (order rotating)."""
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for round_no in range(rounds):
        payloads, raw = prepare(count, f"{section}{round_no}")
        for name in common.rotated(list(runs), round_no):
            items = raw if name == "raw" else payloads
            start = time.perf_counter()
            runs[name](items)
            rates[name].append(count / (time.perf_counter() - start))
    return rates


def bench(*, rounds: int, acked: int, queued: int) -> tuple[dict, dict]:
    from wanzo_common.events.transports import get_transport

    transport = get_transport()
    common.ensure_topic(transport, TYPE)
    raw_producer, raw_acked, raw_queued = make_raw(transport)
    section1 = {"ours": make_ours_acked(transport), "raw": raw_acked}
    section2 = {"ours": make_ours_queued(transport), "raw": raw_queued, "build": make_build()}
    # Warm-up: topic metadata, connections, producer ids, code paths.
    warm_payloads, warm_raw = prepare(500, "warm")
    for runs in (section1, section2):
        for name, run in runs.items():
            run(warm_raw if name == "raw" else warm_payloads)
    first = timed_rounds(section1, rounds=rounds, count=acked, section="a")
    second = timed_rounds(section2, rounds=rounds, count=queued, section="q")
    raw_producer.flush(10)
    return first, second


def ratios(rates: dict[str, list[float]]) -> list[float]:
    return [ours / raw for ours, raw in zip(rates["ours"], rates["raw"], strict=True)]


def report(first: dict, second: dict, *, rounds: int, acked: int, queued: int) -> None:
    med = common.median
    print(f"\n[1] acknowledged one by one: {rounds} rounds x {acked:,} events per variant")
    common.row("raw: produce + flush per message", common.rate(med(first["raw"])),
               f"{1e6 / med(first['raw']):.0f} µs each")  # fmt: skip
    common.row("publish(immediate=True) (+ flush)", common.rate(med(first["ours"])),
               f"{1e6 / med(first['ours']):.0f} µs each")  # fmt: skip
    goal = ratios(first)
    common.row("ratio publish / raw (median of rounds)", f"{med(goal):.2f}",
               f"rounds {min(goal):.2f}..{max(goal):.2f}")  # fmt: skip
    common.row("goal: ratio >= 0.6", common.at_least(med(goal), GOAL_RATIO))

    print(f"\n[2] encoding side, not waiting: {rounds} rounds x {queued:,} events, one flush each")
    raw, ours, build = (med(second[name]) for name in ("raw", "ours", "build"))
    common.row(
        "raw: produce + poll(0), prebuilt bytes", common.rate(raw), f"{1e6 / raw:.1f} µs each"
    )
    common.row("Event.create + to_message + send_async", common.rate(ours),
               f"{1e6 / ours:.1f} µs each, +{1e6 / ours - 1e6 / raw:.1f} µs")  # fmt: skip
    common.row("  of which Event.create + to_message", f"{1e6 / build:.1f} µs", "(info)")
    encoding = ratios(second)
    common.row("ratio ours / raw (median of rounds)", f"{med(encoding):.2f}",
               f"rounds {min(encoding):.2f}..{max(encoding):.2f} (info)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and events")
    parser.add_argument("--rounds", type=int, help="rounds per section (default 7, quick 5)")
    parser.add_argument("--acked", type=int, help="events per variant per round in [1]")
    parser.add_argument("--queued", type=int, help="events per variant per round in [2]")
    args = parser.parse_args()
    rounds = args.rounds or (5 if args.quick else 7)
    acked = args.acked or (300 if args.quick else 1_000)
    queued = args.queued or (10_000 if args.quick else 30_000)
    started = time.perf_counter()
    with common.broker() as (brokers, dev):
        common.setup_django(brokers=brokers, dev=dev)
        common.header("events_publish: publish(immediate=True) vs raw producer, same bytes",
                      brokers=brokers, dev=dev, quick=args.quick)  # fmt: skip
        first, second = bench(rounds=rounds, acked=acked, queued=queued)
        common.close_clients()
        report(first, second, rounds=rounds, acked=acked, queued=queued)
        common.footer(started)


if __name__ == "__main__":
    main()
