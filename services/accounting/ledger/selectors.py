"""The ledger's reads: accounts, entries, balances and the trial balance.

Balances are always computed from the lines with one aggregate query (``SUM`` grouped by
account and currency); nothing is stored twice, so nothing can drift. Sums use a wider decimal
than a line (38 digits) so that totals never overflow the column's precision.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, models
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Cast, Round

from ledger.models import DEBIT_NORMAL, Account, JournalEntry, JournalLine

TOTAL = models.DecimalField(max_digits=38, decimal_places=4)
ZERO = Decimal("0.0000")
SCALE = 10**4  # ten-thousandths: an AmountField's decimal places


def natural_balance(account_type: str, debit: Decimal, credit: Decimal) -> Decimal:
    """A balance with the sign its account type grows by (assets: debit minus credit...)."""
    return debit - credit if account_type in DEBIT_NORMAL else credit - debit


def account_list(*, organization_id: str, type: str | None = None) -> QuerySet[Account]:
    accounts = Account.objects.filter(organization_id=organization_id)
    return accounts.filter(type=type) if type else accounts


def entry_list(
    *,
    organization_id: str,
    journal_type: str | None = None,
    date: datetime.date | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[JournalEntry]:
    entries = JournalEntry.objects.filter(organization_id=organization_id)
    if journal_type:
        entries = entries.filter(journal_type=journal_type)
    if date:
        entries = entries.filter(date=date)
    if date_from:
        entries = entries.filter(date__gte=date_from)
    if date_to:
        entries = entries.filter(date__lte=date_to)
    lines = JournalLine.objects.select_related("account")
    return entries.select_related("reversed_by").prefetch_related(Prefetch("lines", lines))


@dataclass(frozen=True)
class Balance:
    currency: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


def account_balances(*, account: Account, as_of: datetime.date | None = None) -> list[Balance]:
    """The account's debit and credit totals and balance, one per currency it was used in."""
    lines = JournalLine.objects.filter(account=account)
    if as_of:
        lines = lines.filter(entry__date__lte=as_of)
    return [
        Balance(row["currency"], row["debit"], row["credit"],
                natural_balance(account.type, row["debit"], row["credit"]))
        for row in _totals(lines)
    ]  # fmt: skip


@dataclass(frozen=True)
class TrialBalanceRow:
    account: Account
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass
class TrialBalance:
    """One currency's trial balance: every account, and debit and credit totals."""

    currency: str
    rows: list[TrialBalanceRow] = field(default_factory=list)

    @property
    def total_debit(self) -> Decimal:
        return sum((row.debit for row in self.rows), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((row.credit for row in self.rows), ZERO)

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit


def trial_balance(
    *, organization_id: str, as_of: datetime.date | None = None, currency: str | None = None
) -> list[TrialBalance]:
    """One trial balance per currency the organisation posted in (or the one asked for)."""
    lines = JournalLine.objects.filter(account__organization_id=organization_id)
    if as_of:
        lines = lines.filter(entry__date__lte=as_of)
    if currency:
        lines = lines.filter(entry__currency=currency)
    totals = {(row["account_id"], row["currency"]): row for row in _totals(lines, "account_id")}
    accounts = list(account_list(organization_id=organization_id))
    result = []
    for code in sorted({key[1] for key in totals} | ({currency} if currency else set())):
        section = TrialBalance(currency=code)
        for account in accounts:
            row = totals.get((account.id, code), {"debit": ZERO, "credit": ZERO})
            balance = natural_balance(account.type, row["debit"], row["credit"])
            section.rows.append(TrialBalanceRow(account, row["debit"], row["credit"], balance))
        result.append(section)
    return result


def balance_totals(*, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], Decimal]:
    """Total natural balance of every (account type, currency) pair, across organisations."""
    if not pairs:
        return {}
    wanted = Q()
    for account_type, currency in pairs:
        wanted |= Q(account__type=account_type, entry__currency=currency)
    rows = _totals(JournalLine.objects.filter(wanted), "account__type")
    return {
        (row["account__type"], row["currency"]): natural_balance(
            row["account__type"], row["debit"], row["credit"]
        )
        for row in rows
    }


def _totals(lines: QuerySet[JournalLine], *group_by: str) -> list[dict]:
    """Debit and credit sums of ``lines`` grouped by ``group_by`` and the entry's currency."""
    rows = (
        lines.values(*group_by, currency=models.F("entry__currency"))
        .annotate(debit=_sum("debit"), credit=_sum("credit"))
        .order_by(*group_by, "currency")
    )
    if connection.vendor != "sqlite":
        return list(rows)
    return [{**row, "debit": _units(row["debit"]), "credit": _units(row["credit"])} for row in rows]


def _sum(column: str):
    """``SUM(column)``; on SQLite, which stores decimals as floats, a sum of exact integers of
    ten-thousandths (a float sum of 17 lines can already be off by 0.0001)."""
    if connection.vendor != "sqlite":
        return Sum(column, output_field=TOTAL)
    units = Round(models.F(column) * SCALE)
    return Sum(Cast(units, models.BigIntegerField()), output_field=models.BigIntegerField())


def _units(total: int | None) -> Decimal:
    return (Decimal(total or 0) / SCALE).quantize(ZERO)
