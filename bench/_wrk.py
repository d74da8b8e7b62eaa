"""Driving the mix with wrk (Debian's ``wrk``): one process per service, ``_load_mix.lua``.

wrk connects to one host and port, so each service gets its own wrk with that service's part
of the mix; one connection per wrk thread, so the script's per-thread state is a connection's.
Closed loop: connections shared by mix weight. Open loop: each service's share of the rate,
spread over its connections, each on a fixed schedule (see the script's header).
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "_load_mix.lua"

# (label, service, weight): the mix, in requests.
MIX = [
    ("POST sync batch (3 items)", "app_mobile", 2),
    ("POST sale", "app_mobile", 3),
    ("POST journal entry", "accounting", 2),
    ("GET subscription current", "admin", 2),
    ("GET trial balance", "accounting", 1),
    ("GET account balance", "accounting", 2),
]
TOTAL_WEIGHT = sum(weight for _, _, weight in MIX)
SERVICES = sorted({service for _, service, _ in MIX})


def share(service: str) -> float:
    return sum(weight for _, s, weight in MIX if s == service) / TOTAL_WEIGHT


@dataclass
class Run:
    seconds: float = 0.0
    generator_cpu: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)  # ms

    @property
    def answered(self) -> int:
        return sum(self.counts.values())

    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    def all_latencies(self) -> list[float]:
        return sorted(value for values in self.latencies.values() for value in values)


def write_data(path: Path, tenants) -> None:
    """The Lua data file: tokens and account ids per tenant, labels per service by weight."""

    def lua(value) -> str:
        return json.dumps(value)  # a JSON string is a valid Lua string literal here (ASCII)

    rows = [
        f"{{owner = {lua(t.owner.access)}, clerk = {lua(t.clerk.access)}, "
        f"cash = {lua(t.accounts['1000'])}, equity = {lua(t.accounts['3000'])}}}"
        for t in tenants
    ]
    mix = [
        f"{service} = {{{', '.join(lua(label) for label, s, w in MIX if s == service for _ in range(w))}}}"
        for service in SERVICES
    ]
    path.write_text(
        "return {\n  tenants = {" + ", ".join(rows) + "},\n  mix = {" + ", ".join(mix) + "},\n"
        f"  today = {lua(date.today().isoformat())},\n}}\n"
    )


def service_rates(run: Run) -> dict[str, float]:
    return {service: sum(run.counts.get(label, 0) for label, s, _ in MIX if s == service)
            / run.seconds for service in SERVICES}  # fmt: skip


def balanced(connections: int, run: Run) -> tuple[dict[str, int], dict[str, float]]:
    """How to load the services at the mix's peak, from ``run`` (a short closed loop).

    A closed-loop service answers ``connections / latency`` requests a second (Little's law):
    shared by weight alone, the fastest service (admin's GET) answers far more than its share
    and the "peak" is not the mix's. So each service gets connections in proportion to its share
    times its mean latency in ``run``; and a service that even with one connection would answer
    over 1.5 times its share of the rate the others sustain is paced instead, in an open loop at
    its share of that rate. Returns (connections of the closed-loop services, paced rates).
    """
    need = {}
    for service in SERVICES:
        values = [v for label, s, _ in MIX if s == service for v in run.latencies.get(label, [])]
        need[service] = share(service) * (sum(values) / len(values) if values else 1.0)
    total = sum(need.values())
    split = {service: max(1, round(connections * need[service] / total)) for service in SERVICES}
    per_share = {service: rate / share(service) for service, rate in service_rates(run).items()}
    sustained = min(per_share.values())
    paced = {service: sustained * share(service) for service in SERVICES
             if per_share[service] > 1.5 * sustained}  # fmt: skip
    return {s: n for s, n in split.items() if s not in paced}, paced


def drive(urls: dict[str, str], data: Path, *, seconds: float, connections: int | None = None,
          rate: float | None = None, split: dict[str, int] | None = None,
          paced: dict[str, float] | None = None) -> Run:  # fmt: skip
    """Closed loop over ``connections`` (by mix weight, or ``split``'s connections per service
    and ``paced``'s rates for the others: see :func:`balanced`), or open loop at ``rate``."""
    procs = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    paced = paced or {}
    for service in SERVICES:
        if rate is None and service not in paced:
            threads = split[service] if split else max(1, round(connections * share(service)))
            per_thread = 0.0
        else:
            service_rate = paced[service] if service in paced else rate * share(service)
            threads = max(2, math.ceil(service_rate / 8))  # a connection every ~125 ms at most
            per_thread = service_rate / threads
        argv = ["wrk", "-t", str(threads), "-c", str(threads), "-d", f"{seconds:g}s",
                "--timeout", "30s", "-s", str(SCRIPT), urls[service], "--",
                service, str(data), f"{per_thread:.6f}"]  # fmt: skip
        procs.append(
            subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    run = Run(seconds=seconds)
    for proc in procs:
        out, err = proc.communicate()
        line = next((x for x in out.splitlines() if x.startswith("WRKJSON ")), None)
        if line is None:
            raise SystemExit(f"wrk failed ({proc.returncode}):\n{out[-2000:]}\n{err[-2000:]}")
        body = json.loads(line.removeprefix("WRKJSON "))
        for key, n in body["counts"].items():
            run.counts[key] = run.counts.get(key, 0) + int(float(n))
        for key, n in body["errors"].items():
            run.errors[key] = run.errors.get(key, 0) + int(float(n))
        for kind, n in body["socket_errors"].items():
            if n:
                run.errors[f"socket {kind}"] = run.errors.get(f"socket {kind}", 0) + int(float(n))
        for key, text in body["latencies"].items():
            run.latencies.setdefault(key, []).extend(float(value) for value in text.split(","))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run.generator_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return run


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[index]
