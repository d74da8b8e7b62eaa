"""The nemesis: faults at random intervals, from a seeded random source, one at a time.

The schedule is drawn up front from the seed (which kinds, in which order, which service, how
long Kafka stays down), so a run is replayed with ``--seed``; every kind appears at least
``min_each`` times. Each fault is a real one: SIGKILL to a gunicorn worker (gunicorn starts
another), to a service's consumer or relay (the process manager starts it again); SIGTERM to a
whole service, then starting it again; Kafka stopped for 10-30 s; PostgreSQL restarted in fast
and in immediate shutdown mode (the latter: crash recovery at start-up).
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass

from wanzo_common.ports import SERVICES

KINDS = (
    "kill_gunicorn_worker", "kill_consumer", "kill_relay", "restart_service",
    "kafka_outage", "postgres_restart_fast", "postgres_restart_immediate",
)  # fmt: skip


@dataclass
class Fault:
    kind: str
    service: str
    pause: float  # seconds before this fault
    outage: float  # Kafka's time down


def schedule(seed: int, *, duration: float, min_each: int, kinds=KINDS) -> list[Fault]:
    """Faults filling ``duration`` (mean gap ~8 s, Kafka's outages counted), each kind
    ``min_each`` times at least, shuffled by the seeded source."""
    rng = random.Random(seed)
    names = list(kinds) * min_each
    while len(names) < duration / 10:
        names.append(rng.choice(kinds))
    rng.shuffle(names)
    outages = [20.0 if n == "kafka_outage" else 3.0 for n in names]  # expected cost of each
    gap = max(1.0, (duration - sum(outages)) / (len(names) + 1))
    return [
        Fault(kind=name, service=rng.choice(list(SERVICES)),
              pause=rng.uniform(0.5 * gap, 1.5 * gap), outage=rng.uniform(10, 30))
        for name in names
    ]  # fmt: skip


class Nemesis:
    """Runs a schedule against a system, its PostgreSQL and its Kafka; a log line per fault."""

    def __init__(self, system, postgres, kafka, *, faults: list[Fault], gate, scraper, out):
        self.system, self.postgres, self.kafka = system, postgres, kafka
        self.faults = faults
        self.gate, self.scraper, self.out = gate, scraper, out
        self.done: Counter[str] = Counter()
        self.stopping = threading.Event()
        self.started = time.monotonic()

    def run(self) -> None:
        for fault in self.faults:
            if self.stopping.wait(fault.pause):
                return
            try:
                what = getattr(self, fault.kind)(fault)
            except Exception as exc:  # noqa: BLE001  (a fault that could not be made is reported)
                what = f"FAILED: {type(exc).__name__}: {exc}"
            else:
                self.done[fault.kind] += 1
            elapsed = time.monotonic() - self.started
            print(f"nemesis: {elapsed:6.1f}s {fault.kind:<27} {what}", file=self.out, flush=True)

    def kill_gunicorn_worker(self, fault: Fault) -> str:
        workers = self.system.gunicorn_workers(fault.service)
        if not workers:
            raise RuntimeError(f"{fault.service} has no gunicorn worker now")
        pid = random.Random(fault.outage).choice(workers)
        import os

        os.kill(pid, signal.SIGKILL)
        return f"{fault.service} worker {pid}"

    def _kill_role(self, fault: Fault, role: str) -> str:
        pid = self.system.kill(f"{fault.service}.{role}")
        if pid is None:
            raise RuntimeError(f"{fault.service}.{role} is not running now")
        return f"{fault.service}.{role} {pid}"

    def kill_consumer(self, fault: Fault) -> str:
        return self._kill_role(fault, "consumer")

    def kill_relay(self, fault: Fault) -> str:
        return self._kill_role(fault, "relay")

    def restart_service(self, fault: Fault) -> str:
        # The workload waits while the service's last counters are read and it stops: each
        # server start is an epoch of http_requests_total, whose final value is that reading.
        with self.gate:
            self.scraper.close_epoch(fault.service)
            started = time.monotonic()
            self.system.stop_service(fault.service)
        stopped = time.monotonic() - started
        self.system.start_service(fault.service)
        took = time.monotonic() - started
        return f"{fault.service}: SIGTERM, stopped in {stopped:.1f}s, serving again after {took:.1f}s"

    def kafka_outage(self, fault: Fault) -> str:
        self.kafka.stop()
        if self.stopping.wait(fault.outage):
            pass
        started = time.monotonic()
        self.kafka.start()
        return f"down {fault.outage:.0f}s, ready again in {time.monotonic() - started:.1f}s"

    def _postgres(self, mode: str) -> str:
        started = time.monotonic()
        self.postgres.restart(mode)
        return f"restarted in {time.monotonic() - started:.1f}s"

    def postgres_restart_fast(self, fault: Fault) -> str:
        return self._postgres("fast")

    def postgres_restart_immediate(self, fault: Fault) -> str:
        return self._postgres("immediate")
