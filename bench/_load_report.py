"""The API load bench's report: both systems side by side, the ratios and the goals."""

from __future__ import annotations

import os
import sys
import time

from _events_common import load, percentile
from _load_gen import ENDPOINTS, MIX, Result

GOAL_RATIO = 0.90
GOAL_P99_MS = 200.0


def header(args) -> None:
    print(f"api_load: the four services under a mixed load{'  [--quick]' if args.quick else ''}")
    print(f"  machine: {os.cpu_count()} CPUs shared by everything: per system 4 gunicorn masters"
          f" + {4 * args.workers} workers, PostgreSQL, (monitored) the dev broker, 4 consumers"
          " and 4 relays, and this load generator (one asyncio process)")  # fmt: skip
    print(f"  python {sys.version.split()[0]}; load average at start: {load()}")
    mix = ", ".join(f"{label} x{weight}" for label, weight in MIX)
    print(f"  mix (weights): {mix}")
    print(f"  {args.organizations} organisations (owner + clerk each); phases of {args.seconds:g} s"
          f" after a {args.warmup:g} s warm-up; closed loop: {args.clients} clients")  # fmt: skip


def _ms(values: list[float], fraction: float) -> str:
    return f"{percentile(values, fraction) * 1e3:.0f}" if values else "-"


def _cells(result: Result, endpoint: str | None) -> str:
    values = result.all_latencies() if endpoint is None else result.latencies.get(endpoint, [])
    rate = result.rate(endpoint)
    return f"{rate:>7,.0f} {_ms(values, 0.5):>5} {_ms(values, 0.95):>5} {_ms(values, 0.99):>5}"


def table(title: str, monitored: Result, baseline: Result) -> None:
    print(f"\n  {title}")
    print(f"  {'':<28}{'monitored':^26}  {'unmonitored':^26}")
    print(f"  {'endpoint':<28}" + "  req/s   p50   p95   p99 ms" * 2)
    for endpoint in [*ENDPOINTS, None]:
        label = endpoint or "all"
        print(f"  {label:<28}{_cells(monitored, endpoint)}  {_cells(baseline, endpoint)}")
    for name, result in (("monitored", monitored), ("unmonitored", baseline)):
        cpu = result.cpu / max(result.count, 1) * 1e3
        note = f"generator CPU {cpu:.2f} ms/request ({result.cpu / result.seconds:.0%} of a core)"
        if result.late:
            note += f"; last request sent {result.late * 1e3:.0f} ms behind schedule"
        errors = {k: v for k, v in result.errors.items() if v}
        print(f"  {name}: {note}; errors: {errors or 'none'}")


def _word(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def results(monitored: dict, baseline: dict, *, hasher: dict, args, why: str) -> None:
    table("[1] peak throughput: closed loop", monitored["peak"], baseline["peak"])
    rate = monitored["rate"]
    table(f"[2] latency at 70% of the monitored peak: open loop, {rate:,.0f} req/s offered",
          monitored["steady"], baseline["steady"])  # fmt: skip
    ratio = monitored["peak"].rate() / baseline["peak"].rate()
    p99 = percentile(monitored["steady"].all_latencies(), 0.99) * 1e3
    base_p99 = percentile(baseline["steady"].all_latencies(), 0.99) * 1e3
    print("\n  goals")
    print(f"  throughput monitored / unmonitored: {ratio:.2f}"
          f"   goal >= {GOAL_RATIO:.2f}: {_word(ratio >= GOAL_RATIO)}")  # fmt: skip
    print(f"  p99 at 70% of peak, monitored: {p99:.0f} ms (unmonitored {base_p99:.0f} ms)"
          f"   goal < {GOAL_P99_MS:.0f} ms: {_word(p99 < GOAL_P99_MS)}")  # fmt: skip
    print("\n  [3] password logins")
    print(f"  hasher: {hasher['hasher']}, {hasher['params']}")
    print(f"  why: {why}")
    cpu, wall = hasher["cpu_ms"], hasher["wall_ms"]
    print(f"  check_password: {cpu:.1f} ms CPU, {wall:.1f} ms wall per check"
          f" = {1e3 / cpu:.1f} logins/s per core (hasher alone)")  # fmt: skip
    http = monitored["http_logins"]
    if http:
        print(f"  HTTP login, sequential, monitored auth service: {http['rate']:.1f} logins/s"
              f" (p50 {http['p50_ms']:.0f} ms, {http['count']} logins)")  # fmt: skip


def split(monitored: dict, baseline: dict, events_only: dict) -> None:
    """--split: the events-only system between the two, peak and p99 at the same offered rate."""
    print("\n  [4] split: events on, monitoring off (MONITORING_ENABLED=false, up with events)")
    rows = [("monitored", monitored), ("events only", events_only), ("unmonitored", baseline)]
    for name, figures in rows:
        p99 = percentile(figures["steady"].all_latencies(), 0.99) * 1e3
        print(f"  {name:<14} peak {figures['peak'].rate():>6,.0f} req/s"
              f"   p99 at {figures['rate']:,.0f} req/s: {p99:>4.0f} ms")  # fmt: skip
    mon, evt, base = (f["peak"].rate() for _, f in rows)
    print(f"  monitoring: monitored / events only = {mon / evt:.2f};"
          f" events: events only / unmonitored = {evt / base:.2f}")  # fmt: skip


def footer(started: float) -> None:
    print(f"\n  load average at end: {load()}; wall time {time.perf_counter() - started:.0f} s")
