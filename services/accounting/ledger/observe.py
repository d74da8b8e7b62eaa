"""Moving the accounting metrics when an entry is posted or refused.

``account_balance{account_type,currency}`` is the total balance, across organisations, of the
accounts of one type in one currency (natural sign: debits minus credits for assets and
expenses, credits minus debits for the others), read from the lines with one aggregate query
after a posting. The query reads every line of that type and currency, so a process refreshes a
series at most once every ``LEDGER_BALANCE_GAUGE_INTERVAL`` seconds (5 by default, well inside a
scrape interval; 0 in the tests): the gauge is at most that stale, and posting stays cheap as
the books grow.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from decimal import Decimal

from accounting_service.metrics import ACCOUNT_BALANCE, JOURNAL_ENTRIES_CREATED, TRANSACTION_VALUE
from django.conf import settings

from ledger import selectors
from ledger.models import JournalEntry, JournalType

# transaction_value's bounded transaction_type label, by journal type.
TRANSACTION_TYPES = {
    JournalType.SALES: "sale",
    JournalType.SUBSCRIPTION: "subscription",
    JournalType.GENERAL: "journal",
    JournalType.REVERSAL: "journal",
}
DEFAULT_GAUGE_INTERVAL = 5.0

_refreshed_at: dict[tuple[str, str], float] = {}
_lock = threading.Lock()


def entries_posted(entries: Iterable[tuple[JournalEntry, Iterable[str], Decimal]]) -> None:
    """Count each posted ``(entry, its accounts' types, its total)``; then refresh the balance
    gauges they touched, at most one query for them all."""
    touched = set()
    for entry, account_types, total in entries:
        JOURNAL_ENTRIES_CREATED.labels(journal_type=entry.journal_type, status="posted").inc()
        TRANSACTION_VALUE.labels(
            transaction_type=TRANSACTION_TYPES[entry.journal_type], currency=entry.currency
        ).observe(float(total))
        touched.update((account_type, entry.currency) for account_type in account_types)
    refresh_balances(touched)


def entry_rejected(journal_type: str) -> None:
    label = journal_type if journal_type in JournalType.values else "unknown"
    JOURNAL_ENTRIES_CREATED.labels(journal_type=label, status="rejected").inc()


def refresh_balances(pairs: set[tuple[str, str]]) -> None:
    """Set ``account_balance`` for these (account type, currency) pairs, if they are due."""
    interval = getattr(settings, "LEDGER_BALANCE_GAUGE_INTERVAL", DEFAULT_GAUGE_INTERVAL)
    now = time.monotonic()
    with _lock:
        due = {pair for pair in pairs if now - _refreshed_at.get(pair, -math.inf) >= interval}
        _refreshed_at.update(dict.fromkeys(due, now))
    if not due:
        return
    totals = selectors.balance_totals(pairs=due)
    for account_type, currency in due:
        balance = totals.get((account_type, currency), Decimal(0))
        ACCOUNT_BALANCE.labels(account_type=account_type, currency=currency).set(float(balance))
