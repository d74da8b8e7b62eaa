"""The four services under load, monitored and not: throughput, latency, and password logins.

    .venv/bin/python bench/api_load.py            # ~3 minutes on 2 CPUs (--split: ~4.5)
    .venv/bin/python bench/api_load.py --quick    # ~70 s

Needs PostgreSQL: ``DATABASE_URL`` with ``{service}`` (e.g.
``postgres://postgres@127.0.0.1:5432/wanzo_hb_{service}``); each system gets fresh databases
named after it (``..._bench_mon_<service>``, ``..._bench_base_<service>``). Two systems, one
after the other, each ``manage_all.py up --server gunicorn --workers 2`` in a throwaway copy of
the repo on free ports (``wanzo_common.devserver.sandbox``):

- **monitored**: as shipped: request and query timing, the exporters, the outbox, the dev
  broker, every consumer and relay (which post the sales and subscription charges to the books);
- **unmonitored** (the baseline): ``MONITORING_ENABLED=false`` (no timing middleware, no query
  interceptor, no exporter) and ``up --no-events`` with ``EVENTS_OUTBOX=false`` (no broker,
  consumers or relays; events go to the in-memory mock transport, no outbox row).

Each is seeded (an internal admin; per organisation an owner, a clerk, a subscription, the chart
of accounts), warmed up, then driven by ``_load_gen`` in this process: [1] peak throughput, a
closed loop of ``--clients`` clients for ``--seconds``; [2] latency, an open loop at 70% of the
*monitored* peak (the same offered load on both). Then [3] password logins: ``check_password``
in this process and sequential HTTP logins on the monitored auth service. ``--split`` adds a
third system, events on and monitoring off, to tell the monitoring's cost from the events'
(the outbox, and the consumers' downstream work: each sale posted to the books, notifications).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import _load_gen as gen
import _load_logins as logins
import _load_report as report
from _load_seed import seed

from wanzo_common.devserver import sandbox

LOAD_FACTOR = 0.70
BASELINE_ENV = {"MONITORING_ENABLED": "false", "EVENTS_OUTBOX": "false"}
# (events, extra environment) of each system; "events only" is --split's third system.
SYSTEMS = {
    "monitored": (True, None),
    "unmonitored": (False, BASELINE_ENV),
    "events only": (True, {"MONITORING_ENABLED": "false"}),
}


def require_postgres() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or "{service}" not in url:
        print(
            "api_load needs PostgreSQL: set DATABASE_URL to a postgres:// URL with {service}, "
            "e.g. postgres://postgres@127.0.0.1:5432/wanzo_hb_{service} (and PGPASSWORD).\n"
            f"DATABASE_URL is {url or 'not set'!r}.",
            file=sys.stderr,
        )
        raise SystemExit(2)


# The bench measures what logins cost, from one address: auth's login throttles (30 a minute
# per client by default, ADR 0014) would measure the throttle instead.
AUTH_UNTHROTTLED = {
    "AUTH_THROTTLE_LOGIN_IP": "100000/minute",
    "AUTH_THROTTLE_LOGIN_ACCOUNT": "100000/minute",
}


def run_system(name: str, args, *, rate: float | None) -> dict:
    """Start one system, seed it, measure [1] and [2] (at ``rate``, else 70% of its peak)."""
    events, env = SYSTEMS[name]
    with tempfile.TemporaryDirectory(prefix=f"api-load-{name}-") as tmp:
        started = time.perf_counter()
        system = sandbox.start(
            Path(tmp), workers=args.workers, events=events,
            env={**AUTH_UNTHROTTLED, **(env or {})}, label=f"bench_{name[:3]}",
        )  # fmt: skip
        try:
            up = time.perf_counter() - started
            seeded = seed(system, organizations=args.organizations, events=events)
            urls = {service: system.url(service) for service in system.app_ports}
            load = gen.Generator(urls, seeded.tenants)
            asyncio.run(load.closed(clients=args.clients, seconds=args.warmup))
            seeded.refresh_tokens()
            peak = asyncio.run(load.closed(clients=args.clients, seconds=args.seconds))
            rate = rate or LOAD_FACTOR * peak.rate()
            seeded.refresh_tokens()
            steady = asyncio.run(load.open(rate=rate, seconds=args.seconds))
            http = None
            if name == "monitored":
                members = [t.owner for t in seeded.tenants]
                http = logins.http_logins(system.url("auth"), members, count=args.logins)
        finally:
            code = sandbox.stop(system)
        if code != 0:
            print(f"  warning: {name} system stopped with {code}\n{system.logs()[-2000:]}")
        print(f"  {name}: up in {up:.0f} s, run {time.perf_counter() - started:.0f} s,"
              f" peak {peak.rate():,.0f} req/s", flush=True)  # fmt: skip
        return {"peak": peak, "steady": steady, "rate": rate, "http_logins": http}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases, fewer tenants")
    parser.add_argument("--seconds", type=float, help="each measured phase (default 30, quick 8)")
    parser.add_argument("--warmup", type=float, help="closed-loop warm-up (default 5, quick 2)")
    parser.add_argument("--clients", type=int, default=16, help="closed-loop clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per service")
    parser.add_argument("--organizations", type=int, help="tenants (default 4, quick 2)")
    parser.add_argument("--logins", type=int, help="sequential HTTP logins (default 30, quick 10)")
    parser.add_argument("--split", action="store_true",
                        help="a third system, events on and monitoring off: what each costs")  # fmt: skip
    args = parser.parse_args()
    require_postgres()
    args.seconds = args.seconds or (8 if args.quick else 30)
    args.warmup = args.warmup or (2 if args.quick else 5)
    args.organizations = args.organizations or (2 if args.quick else 4)
    args.logins = args.logins or (10 if args.quick else 30)
    started = time.perf_counter()
    report.header(args)
    hasher = logins.hasher_figures(checks=5 if args.quick else 20)
    monitored = run_system("monitored", args, rate=None)
    baseline = run_system("unmonitored", args, rate=monitored["rate"])
    split = run_system("events only", args, rate=monitored["rate"]) if args.split else None
    report.results(monitored, baseline, hasher=hasher, args=args, why=logins.WHY)
    if split:
        report.split(monitored, baseline, split)
    report.footer(started)


if __name__ == "__main__":
    main()
