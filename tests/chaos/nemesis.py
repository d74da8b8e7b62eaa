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


# What a fault costs in seconds beyond its pause (Kafka: down, then its JVM's start), so that
# the schedule fits the run.
COST = {"kafka_outage": 40.0, "restart_service": 8.0}


@dataclass
class Fault:
    kind: str
    service: str
    at: float  # seconds after the load started (later if the previous fault overran)
    outage: float  # Kafka's time down


def schedule(seed: int, *, duration: float, min_each: int, kinds=KINDS) -> list[Fault]:
    """About one fault per 11 s of ``duration``, each kind ``min_each`` times at least, in an
    order and with gaps drawn from the seeded source. Kafka outages, the longest faults, are
    drawn half as often as the others beyond the minimum."""
    rng = random.Random(seed)
    names = list(kinds) * min_each
    weights = [0.5 if kind == "kafka_outage" else 1.0 for kind in kinds]
    while len(names) < duration / 11:
        names.append(rng.choices(kinds, weights)[0])
    rng.shuffle(names)
    busy = sum(COST.get(name, 1.0) for name in names)
    gap = max(1.0, (duration - busy) / (len(names) + 1))
    faults, at = [], 0.0
    for name in names:
        at += rng.uniform(0.5 * gap, 1.5 * gap)
        faults.append(Fault(kind=name, service=rng.choice(list(SERVICES)), at=at,
                            outage=rng.uniform(10, 30)))  # fmt: skip
        at += COST.get(name, 1.0)
    return faults


class Nemesis:
    """Runs a schedule against a system, its PostgreSQL and its Kafka; a log line per fault."""

    def __init__(self, system, postgres, kafka, *, faults: list[Fault], gate, scraper, out):
        self.system, self.postgres, self.kafka = system, postgres, kafka
        self.faults = faults
        self.gate, self.scraper, self.out = gate, scraper, out
        self.done: Counter[str] = Counter()
        self.stopping = threading.Event()
        self.started = time.monotonic()
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            self._run()
        finally:
            self.finished.set()

    def _run(self) -> None:
        for fault in self.faults:
            wait = max(0.5, fault.at - (time.monotonic() - self.started))
            if self.stopping.wait(wait):
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
        return (
            f"{fault.service}: SIGTERM, stopped in {stopped:.1f}s, serving again after {took:.1f}s"
        )

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
