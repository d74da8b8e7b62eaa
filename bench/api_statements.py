"""Statements and commits per request of the load mix, per endpoint and per consumed event.

Counts, not times: robust on a busy machine. Each service runs in a child process with its own
settings (the test settings: the mock transport, throwaway keys) on a fresh PostgreSQL test
database (``test_`` + the name ``DATABASE_URL`` gives it), and sends the bench mix's requests
through Django's test client (the whole middleware stack, the token authentication) inside
``CaptureQueriesContext``, which sees every statement the connection sends, BEGIN / SAVEPOINT /
RELEASE / COMMIT included. The consumers' side runs the events a sale causes (accounting:
``transaction.created``; app_mobile: ``transaction.completed``) through the consumer engine's
:class:`Dispatcher` in batches, as ``consume_events`` would.

    export PGPASSWORD=... DATABASE_URL='postgres://postgres@127.0.0.1:5432/perf_{service}'
    .venv/bin/python bench/api_statements.py [--requests 20] [--batch 10] [--cpu]

Prints one line per endpoint: statements per request, then by kind; with ``--cpu``, the CPU
milliseconds of this process per request in a second, uncaptured pass (the whole Django stack
through the test client, no network; PostgreSQL's side not included).

``--monitoring N``: what monitoring costs the web workers, the issue's "monitoring stays <= 3 %
of worker CPU". Each service's child runs N times with monitoring on (prometheus_client in
multiprocess mode, every update a write to an mmap'd file, as under gunicorn) and N times with
``MONITORING_ENABLED=false`` (no request or query timing), alternately; per endpoint the median
CPU per request of each and monitoring's share of the monitored figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("BEGIN", "SAVEPOINT", "RELEASE", "SELECT", "INSERT", "UPDATE", "DELETE", "COMMIT")
SETTINGS = {
    "app_mobile": "app_mobile_service.test_settings",
    "accounting": "accounting_service.test_settings",
    "admin": "admin_service.test_settings",
}


def kind_of(sql: str) -> str:
    word = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "OTHER"
    if word == "WITH":
        return "SELECT" if " INSERT " not in sql.upper() else "INSERT"
    return word if word in KINDS else "OTHER"


# -- the child: one service ----------------------------------------------------------------


def child(service: str, requests: int, batch: int, cpu: bool) -> dict:
    sys.path[:0] = [str(ROOT / "services" / service), str(ROOT)]  # this checkout's code
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS[service]
    import django

    django.setup()
    from django.db import close_old_connections, connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    from django.conf import settings

    # As deployed: the balance gauge's aggregate at most every 5 s (the tests set 0).
    settings.LEDGER_BALANCE_GAUGE_INTERVAL = 5.0
    health_checks = _count_health_checks(connection)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    out: dict[str, dict] = {}

    def measure(label: str, calls, expect=None, units: int | None = None) -> None:
        counts: Counter = Counter()
        for call in calls:
            with CaptureQueriesContext(connection) as captured:
                if not label.startswith("consume"):
                    close_old_connections()  # what request_started does (the test client not)
                checks = health_checks[0]
                status = call()
                counts["SELECT"] += health_checks[0] - checks
            if expect is not None and status not in expect:
                raise SystemExit(f"{label}: unexpected answer {status}")
            counts.update(kind_of(query["sql"]) for query in captured.captured_queries)
            if os.environ.get("BENCH_SHOW_SQL") and call is calls[-1]:
                sqls = [query["sql"][:150] for query in captured.captured_queries]
                print(label, *sqls, sep="\n  ", file=sys.stderr)
        out[label] = {"n": units or len(calls), **counts}
        if cpu and not label.startswith("consume"):  # a second pass, timed, nothing captured
            backend = _backend_cpu(connection)
            started = time.process_time()
            for call in calls:
                close_old_connections()
                call()
            out[label]["cpu_ms"] = (time.process_time() - started) * 1e3 / len(calls)
            if backend is not None and (after := _backend_cpu(connection)) is not None:
                out[label]["pg_ms"] = (after - backend) * 1e3 / len(calls)

    try:
        if service == "app_mobile":
            _app_mobile(measure, requests, batch)
        elif service == "accounting":
            _accounting(measure, requests, batch)
        else:
            _admin(measure, requests)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    return out


def _backend_cpu(connection) -> float | None:
    """CPU seconds of this connection's PostgreSQL backend (on this machine), else None."""
    import _proc

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return _proc.cpu_seconds(pid)


def _count_health_checks(connection) -> list[int]:
    """``CONN_HEALTH_CHECKS``' ``SELECT 1`` runs on the raw connection, unseen by the capture."""
    seen = [0]
    is_usable = connection.is_usable

    def counted() -> bool:
        seen[0] += 1
        return is_usable()

    connection.is_usable = counted
    return seen


def _sync_items() -> list[dict]:
    import uuid

    record = str(uuid.uuid4())
    return [
        {"id": str(uuid.uuid4()), "data_type": "customer", "operation": "create",
         "record_id": record, "payload": {"name": "Walk-in customer"}},
        {"id": str(uuid.uuid4()), "data_type": "product", "operation": "create",
         "payload": {"name": "Bag of rice", "price": "12.50", "currency": "USD"}},
        {"id": str(uuid.uuid4()), "data_type": "customer", "operation": "update",
         "record_id": record, "version": 1, "payload": {"name": "Regular customer"}},
    ]  # fmt: skip


def _app_mobile(measure, requests: int, batch: int) -> None:
    import uuid
    from datetime import date

    from wanzo_common.api.testing import api_client
    from wanzo_common.events.envelope import Event

    org, user = str(uuid.uuid4()), str(uuid.uuid4())
    client = api_client(user_id=user, role="SME_USER", organization_id=org)
    client.post("/api/sync/", {"items": _sync_items()}, format="json")  # warm: first use
    measure(
        "POST sync batch (3 items)",
        [lambda: client.post("/api/sync/", {"items": _sync_items()}, format="json").status_code
         for _ in range(requests)],
        expect={200},
    )  # fmt: skip
    sales: list[str] = []

    def sale() -> int:
        sales.append(str(uuid.uuid4()))
        body = {"transaction_id": sales[-1], "amount": "12.50", "currency": "USD",
                "category": "retail", "date": date.today().isoformat()}  # fmt: skip
        return client.post("/api/sales/", body, format="json").status_code

    measure("POST sale", [sale for _ in range(requests)], expect={201})
    events = [
        Event.create(
            "transaction.completed",
            {
                "transactionId": key,
                "companyId": org,
                "amount": "12.5000",
                "currency": "USD",
                "completedAt": "2026-12-01T10:00:00Z",
                "timestamp": "2026-12-01T10:00:00Z",
            },
            source="accounting",
        )  # fmt: skip
        for key in sales
    ]
    _consume(measure, "consume transaction.completed (per event)", events, batch)


def _accounting(measure, requests: int, batch: int) -> None:
    import uuid

    from wanzo_common.api.testing import api_client
    from wanzo_common.events.envelope import Event

    org = str(uuid.uuid4())
    owner = api_client(role="SME_OWNER", organization_id=org)
    accounts = owner.get("/api/accounts/?page_size=200").json()["results"]
    ids = {account["code"]: account["id"] for account in accounts}
    body = {
        "journal_type": "general", "currency": "USD", "description": "bench posting",
        "lines": [{"account": ids["1000"], "debit": "10.00"},
                  {"account": ids["3000"], "credit": "10.00"}],
    }  # fmt: skip
    owner.post("/api/journal-entries/", body, format="json")  # warm
    measure(
        "POST journal entry",
        [lambda: owner.post("/api/journal-entries/", body, format="json").status_code
         for _ in range(requests)],
        expect={201},
    )  # fmt: skip
    measure(
        "GET trial balance",
        [lambda: owner.get("/api/trial-balance/").status_code for _ in range(requests)],
        expect={200},
    )
    measure(
        "GET account balance",
        [lambda: owner.get(f"/api/accounts/{ids['1000']}/balance/").status_code
         for _ in range(requests)],
        expect={200},
    )  # fmt: skip
    events = [
        Event.create(
            "transaction.created",
            {
                "transactionId": str(uuid.uuid4()),
                "companyId": org,
                "userId": str(uuid.uuid4()),
                "amount": "12.50",
                "currency": "USD",
                "category": "retail",
                "description": "",
                "transactionDate": "2026-12-01T00:00:00Z",
                "timestamp": "2026-12-01T10:00:00Z",
            },
            source="app_mobile",
        )  # fmt: skip
        for _ in range(requests)
    ]
    _consume(measure, "consume transaction.created (per event)", events, batch)


def _admin(measure, requests: int) -> None:
    import uuid

    from wanzo_common.api.testing import api_client

    owner = api_client(role="SME_OWNER", organization_id=str(uuid.uuid4()))
    owner.get("/api/subscriptions/current/")  # warm
    measure(
        "GET subscription current",
        [lambda: owner.get("/api/subscriptions/current/").status_code for _ in range(requests)],
        expect={200, 404},
    )


def _consume(measure, label: str, events: list, batch: int) -> None:
    """Apply ``events`` through the consumer's dispatcher, ``batch`` at a time; per event."""
    from wanzo_common.events.consumer import ConsumerEngine
    from wanzo_common.events.registry import autodiscover
    from wanzo_common.events.transports.mock import Transport

    autodiscover()
    engine = ConsumerEngine(transport=Transport(options={}), topics=["bench"])
    messages = [event.to_message() for event in events]
    chunks = [messages[i : i + batch] for i in range(0, len(messages), batch)]
    done: list = []
    measure(label, [lambda chunk=chunk: engine.dispatcher.handle(chunk, done=done.extend)
                    for chunk in chunks], units=len(events))  # fmt: skip
    handled = Counter(outcome.value for _, outcome in done)
    if handled.get("handled") != len(events):
        raise SystemExit(f"{label}: {dict(handled)}")


# -- the parent ----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--batch", type=int, default=10, help="events per consumer batch")
    parser.add_argument("--cpu", action="store_true",
                        help="also this process's CPU per request (test client, in-process)")  # fmt: skip
    parser.add_argument("--monitoring", type=int, default=0, metavar="N",
                        help="monitoring's share of web CPU: N runs on and off, alternately")  # fmt: skip
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.requests, args.batch, args.cpu)))
        return 0
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("api_statements: set DATABASE_URL to a postgres:// URL with {service}")
        return 2
    if args.monitoring:
        return _monitoring_share(args)
    rows = _run_children(args, cpu=args.cpu)
    if rows is None:
        return 1
    cpu_head = f" {'ms CPU':>7} {'ms PG':>6}" if args.cpu else ""
    print(f"{'endpoint':44} {'stmts':>6} " + " ".join(f"{kind:>9}" for kind in KINDS) + cpu_head)
    for label, row in rows.items():
        n = row.pop("n")
        cpu_ms = row.pop("cpu_ms", None)
        pg_ms = row.pop("pg_ms", None)
        per = {kind: row.get(kind, 0) / n for kind in (*KINDS, "OTHER")}
        total = sum(per.values())
        shown = ""
        if args.cpu:
            shown = f" {cpu_ms:7.2f}" if cpu_ms is not None else f" {'-':>7}"
            shown += f" {pg_ms:6.2f}" if pg_ms is not None else f" {'-':>6}"
        print(f"{label:44} {total:6.1f} " + " ".join(f"{per[kind]:9.1f}" for kind in KINDS) + shown)
    return 0


def _run_children(args, *, cpu: bool, env: dict[str, str] | None = None) -> dict | None:
    """Every service's child; their rows by endpoint label (None if one failed)."""
    rows: dict[str, dict] = {}
    for service in SETTINGS:
        done = subprocess.run(
            [sys.executable, __file__, "--child", service, "--requests", str(args.requests),
             "--batch", str(args.batch), *(["--cpu"] if cpu else [])],
            cwd=ROOT / "services" / service, capture_output=True, text=True, check=False,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        if done.returncode:
            print(done.stdout[-2000:], done.stderr[-4000:])
            return None
        if os.environ.get("BENCH_SHOW_SQL"):
            print(done.stderr, file=sys.stderr)
        rows.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return rows


def _monitoring_share(args) -> int:
    import statistics
    import tempfile

    figures: dict[str, dict[str, list[float]]] = {}
    for _ in range(args.monitoring):
        for variant in ("on", "off"):
            with tempfile.TemporaryDirectory(prefix="bench-metrics-") as folder:
                env = ({"PROMETHEUS_MULTIPROC_DIR": folder} if variant == "on"
                       else {"MONITORING_ENABLED": "false"})  # fmt: skip
                rows = _run_children(args, cpu=True, env=env)
            if rows is None:
                return 1
            for label, row in rows.items():
                if "cpu_ms" in row:
                    figures.setdefault(label, {}).setdefault(variant, []).append(row["cpu_ms"])
    print(f"{'endpoint (web CPU per request, medians)':44} {'on ms':>7} {'off ms':>7} {'share':>6}")
    shares = []
    for label, by in figures.items():
        on, off = statistics.median(by["on"]), statistics.median(by["off"])
        shares.append((on - off) / on)
        print(f"{label:44} {on:7.3f} {off:7.3f} {(on - off) / on:6.1%}")
    print(f"monitoring: {statistics.mean(shares):.1%} of web-worker CPU (mean over endpoints; "
          f"goal <= 3%), {args.monitoring} runs each way, alternately")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
