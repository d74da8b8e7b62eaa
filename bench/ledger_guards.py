"""What the ledger's PostgreSQL guards (migrations 0004 and 0006) cost a posting.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/ledger_guards.py

Posts two-line entries through ``ledger.services.entry_post`` (one transaction each, as the API
does), in interleaved rounds with the guard triggers enabled and disabled (``ALTER TABLE ...
DISABLE TRIGGER``: the role must own the tables), and prints the median wall time per posting
of each and their ratio. Wall time, because the triggers run in the PostgreSQL server, not in
this process. The balance and append-only triggers of 0002 stay on in both variants. The
database is migrated first; the entries stay (the books are append-only): use a scratch database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUARDS = [
    ("ledger_journalline", "ledger_journalline_guard"),
    ("ledger_account", "ledger_account_fixed_once_used"),
    ("ledger_journalentry", "ledger_journalentry_reversal_same_org"),
    ("ledger_journalentry", "ledger_journalentry_period_open"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200, help="postings per variant and round")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "services" / "accounting"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accounting_service.settings")
    os.environ.setdefault("EVENTS_ALLOW_MOCK", "true")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/ledger_guards.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    call_command("migrate", verbosity=0)
    timings: dict[str, list[float]] = {"guarded": [], "unguarded": []}
    post = poster()
    for number in range(args.rounds):
        order = ["guarded", "unguarded"] if number % 2 == 0 else ["unguarded", "guarded"]
        for variant in order:
            toggle(connection, enabled=variant == "guarded")
            started = time.perf_counter()
            for _ in range(args.entries):
                post()
            timings[variant].append((time.perf_counter() - started) / args.entries)
    toggle(connection, enabled=True)
    guarded, unguarded = (statistics.median(timings[key]) for key in ("guarded", "unguarded"))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print(f"{args.rounds} rounds x {args.entries} postings per variant (median per posting):")
    print(f"  guards on   {guarded * 1e3:8.3f} ms")
    print(f"  guards off  {unguarded * 1e3:8.3f} ms")
    print(f"  ratio on/off {guarded / unguarded:.3f}  (added {1e3 * (guarded - unguarded):.3f} ms)")


def poster():
    from ledger import chart
    from ledger.models import Account
    from ledger.rules import LineInput
    from ledger.services import chart_ensure_default, entry_post

    organization_id = f"bench-{uuid.uuid4()}"
    chart_ensure_default(organization_id=organization_id)
    accounts = Account.objects.filter(organization_id=organization_id)
    cash, revenue = accounts.get(code=chart.CASH).id, accounts.get(code=chart.SALES_REVENUE).id
    lines = [LineInput(cash, debit=Decimal("12.50")), LineInput(revenue, credit=Decimal("12.50"))]

    def post():
        entry_post(organization_id=organization_id, journal_type="general", currency="USD",
                   lines=lines)  # fmt: skip

    return post


def toggle(connection, *, enabled: bool) -> None:
    action = "ENABLE" if enabled else "DISABLE"
    with connection.cursor() as cursor:
        for table, trigger in GUARDS:
            cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {trigger}")


if __name__ == "__main__":
    main()
