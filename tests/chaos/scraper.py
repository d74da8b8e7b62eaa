"""``http_requests_total`` of every service, scraped every second, per server start (epoch).

The counter is summed over the API routes (``route`` starting with ``api/``): the workload's
requests, and nothing else (the soak's own /healthz probes are left out). Within one server
start it must never decrease, however many workers are killed: gunicorn's master folds a dead
worker's metric files into its archive. A whole-service restart starts a fresh multiprocess
directory, so the counter starts again from zero: that is a new epoch, and the last reading of
the old one is taken with the workload paused just before the service is stopped.
"""

from __future__ import annotations

import threading
import urllib.request
from dataclasses import dataclass, field

from wanzo_common.monitoring.testing import parse_exposition
from wanzo_common.ports import SERVICES

METRIC = "http_requests_total"


def api_requests(port: int) -> float:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        samples = parse_exposition(response.read().decode())
    return sum(
        value for (name, labels), value in samples.items()
        if name == METRIC and dict(labels).get("route", "").startswith("api/")
    )  # fmt: skip


@dataclass
class Epoch:
    readings: list[float] = field(default_factory=list)
    decreases: list[tuple[float, float]] = field(default_factory=list)
    final: float | None = None

    def add(self, value: float) -> None:
        if self.readings and value < self.readings[-1]:
            self.decreases.append((self.readings[-1], value))
        self.readings.append(value)


class Scraper:
    def __init__(self, system) -> None:
        self.system = system
        self.epochs: dict[str, dict[int, Epoch]] = {s: {} for s in SERVICES}
        self.stopping = threading.Event()
        self.failures = 0
        self._lock = threading.Lock()

    def _read(self, service: str) -> tuple[int, float] | None:
        epoch = self.system.epochs.get(service)
        try:
            value = api_requests(self.system.metrics_ports[service])
        except OSError:
            self.failures += 1
            return None
        if self.system.epochs.get(service) != epoch:  # restarted meanwhile: whose was it?
            return None
        return epoch, value

    def scrape_once(self) -> None:
        for service in SERVICES:
            with self._lock:
                if (reading := self._read(service)) is not None:
                    epoch, value = reading
                    self.epochs[service].setdefault(epoch, Epoch()).add(value)

    def close_epoch(self, service: str) -> None:
        """The final reading of the service's current epoch (workload paused by the caller)."""
        with self._lock:
            reading = None
            for _ in range(20):
                if (reading := self._read(service)) is not None:
                    break
                self.stopping.wait(0.5)
            if reading is None:
                raise RuntimeError(f"could not read {service}'s counters before stopping it")
            epoch, value = reading
            item = self.epochs[service].setdefault(epoch, Epoch())
            item.add(value)
            item.final = value

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            self.scrape_once()

    def close_all(self) -> None:
        for service in SERVICES:
            self.close_epoch(service)
