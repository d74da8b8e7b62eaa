"""The API load bench's load generator: a mixed, token-authenticated workload over asyncio.

One httpx ``AsyncClient`` in the bench's own process. Two ways to drive it:

- **closed loop** (peak throughput): N clients, each sending its next request when the last
  one answered, for T seconds: the system's ceiling for this mix;
- **open loop** (latency): requests started at a fixed rate, evenly spaced, whatever the
  answers; a latency counts from the request's *scheduled* start, so a slow server (or a
  generator that falls behind) shows in the figures instead of silently lowering the rate.

Every request is a step a user takes: the clerk's phone sends sync batches and sales, the owner
posts journal entries and reads balances and the organisation's subscription. The process's CPU
time is kept: on a machine shared with the servers the generator takes its share too.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import httpx

# (label, weight): the mix, in requests.
MIX = [
    ("POST sync batch (3 items)", 2),
    ("POST sale", 3),
    ("POST journal entry", 2),
    ("GET subscription current", 2),
    ("GET trial balance", 1),
    ("GET account balance", 2),
]
ENDPOINTS = [label for label, _ in MIX]


@dataclass
class Result:
    seconds: float = 0.0
    cpu: float = 0.0  # the generator's CPU seconds
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, dict[int | str, int]] = field(default_factory=lambda: defaultdict(dict))
    late: float = 0.0  # open loop: how far behind schedule the last request was sent

    @property
    def count(self) -> int:
        return sum(len(values) for values in self.latencies.values())

    def rate(self, endpoint: str | None = None) -> float:
        count = self.count if endpoint is None else len(self.latencies.get(endpoint, []))
        return count / self.seconds if self.seconds else 0.0

    def all_latencies(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]

    def error_count(self) -> int:
        return sum(sum(codes.values()) for codes in self.errors.values())


def request_for(tenant, label: str, rng: random.Random) -> tuple[str, str, str, dict | None, str]:
    """(service, method, path, json body, access token) of one step of ``label``."""
    owner, clerk, accounts = tenant.owner.access, tenant.clerk.access, tenant.accounts
    if label.startswith("POST sync"):
        record = str(uuid.uuid4())
        items = [
            {"id": str(uuid.uuid4()), "data_type": "customer", "operation": "create",
             "record_id": record, "payload": {"name": "Walk-in customer"}},
            {"id": str(uuid.uuid4()), "data_type": "product", "operation": "create",
             "payload": {"name": "Bag of rice", "price": "12.50", "currency": "USD"}},
            {"id": str(uuid.uuid4()), "data_type": "customer", "operation": "update",
             "record_id": record, "version": 1, "payload": {"name": "Regular customer"}},
        ]  # fmt: skip
        return "app_mobile", "POST", "/api/sync/", {"items": items}, clerk
    if label == "POST sale":
        body = {
            "transaction_id": str(uuid.uuid4()), "amount": f"{rng.randint(5, 900)}.50",
            "currency": "USD", "category": "retail", "date": date.today().isoformat(),
        }  # fmt: skip
        return "app_mobile", "POST", "/api/sales/", body, clerk
    if label == "POST journal entry":
        amount = f"{rng.randint(10, 5000)}.00"
        body = {
            "journal_type": "general", "currency": "USD", "description": "bench posting",
            "lines": [{"account": accounts["1000"], "debit": amount},
                      {"account": accounts["3000"], "credit": amount}],
        }  # fmt: skip
        return "accounting", "POST", "/api/journal-entries/", body, owner
    if label == "GET subscription current":
        return "admin", "GET", "/api/subscriptions/current/", None, owner
    if label == "GET trial balance":
        return "accounting", "GET", "/api/trial-balance/", None, owner
    return "accounting", "GET", f"/api/accounts/{accounts['1000']}/balance/", None, owner


class Generator:
    def __init__(self, urls: dict[str, str], tenants: list, *, seed: int = 8) -> None:
        self.urls, self.tenants = urls, tenants
        self.rng = random.Random(seed)
        self.labels = [label for label, weight in MIX for _ in range(weight)]

    def _client(self, connections: int) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        return httpx.AsyncClient(limits=limits, timeout=30.0, trust_env=False)

    async def _one(self, client: httpx.AsyncClient, result: Result, started: float) -> None:
        label = self.rng.choice(self.labels)
        service, method, path, body, token = request_for(
            self.rng.choice(self.tenants), label, self.rng
        )
        headers = {"Authorization": f"Bearer {token}"}
        try:
            response = await client.request(
                method, self.urls[service] + path, json=body, headers=headers
            )
            status: int | str = response.status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        elapsed = time.perf_counter() - started
        if isinstance(status, int) and status < 400:
            result.latencies[label].append(elapsed)
        else:
            result.errors[label][status] = result.errors[label].get(status, 0) + 1

    async def closed(self, *, clients: int, seconds: float) -> Result:
        result = Result()
        async with self._client(clients) as client:
            deadline = time.perf_counter() + seconds

            async def loop() -> None:
                while time.perf_counter() < deadline:
                    await self._one(client, result, time.perf_counter())

            cpu, start = time.process_time(), time.perf_counter()
            await asyncio.gather(*(loop() for _ in range(clients)))
            result.seconds = time.perf_counter() - start
            result.cpu = time.process_time() - cpu
        return result

    async def open(self, *, rate: float, seconds: float) -> Result:
        result = Result()
        total = max(1, int(rate * seconds))
        async with self._client(1000) as client:
            cpu, start = time.process_time(), time.perf_counter()
            tasks = []
            for index in range(total):
                scheduled = start + index / rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                result.late = max(0.0, time.perf_counter() - scheduled)
                tasks.append(asyncio.create_task(self._one(client, result, scheduled)))
            await asyncio.gather(*tasks)
            result.seconds = total / rate
            result.cpu = time.process_time() - cpu
        return result
