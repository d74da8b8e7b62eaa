"""The ledger's reads: accounts, entries, balances and the trial balance.

Balances are always computed from the lines with one aggregate query (``SUM`` grouped by
account and currency); nothing is stored twice, so nothing can drift. Sums use a wider decimal
than a line (38 digits) so that totals never overflow the column's precision.
"""

from __future__ import annotations

import datetime
import uuid
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


def account_balances(
    *, organization_id: str, account_id: uuid.UUID, as_of: datetime.date | None = None
) -> tuple[Account, list[Balance]] | None:
    """The organisation's account and its debit and credit totals and balance, one per currency
    it was used in; None when the organisation has no such account. One query."""
    rows = _with_totals(
        Account.objects.filter(organization_id=organization_id, id=account_id), _dated(as_of)
    )
    if not rows:
        return None
    return rows[0], [
        Balance(row.line_currency, row.debit, row.credit,
                natural_balance(row.type, row.debit, row.credit))
        for row in rows
        if row.debit is not None
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
    """One trial balance per currency the organisation posted in (or the one asked for).

    One query: the accounts with their totals per currency (:func:`_with_totals`).
    """
    wanted = _dated(as_of) & (Q(lines__entry__currency=currency) if currency else Q())
    rows = _with_totals(Account.objects.filter(organization_id=organization_id), wanted)
    accounts = list({row.id: row for row in rows}.values())  # each once, in the order of codes
    totals = {(row.id, row.line_currency): row for row in rows if row.debit is not None}
    result = []
    for code in sorted({key[1] for key in totals} | ({currency} if currency else set())):
        section = TrialBalance(currency=code)
        for account in accounts:
            row = totals.get((account.id, code))
            debit, credit = (row.debit, row.credit) if row else (ZERO, ZERO)
            balance = natural_balance(account.type, debit, credit)
            section.rows.append(TrialBalanceRow(account, debit, credit, balance))
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


def _with_totals(accounts: QuerySet[Account], lines: Q) -> list[Account]:
    """``accounts`` (in the order of codes) once per currency of their lines, each with
    ``line_currency`` and the ``debit`` and ``credit`` totals of its lines in that currency that
    match ``lines`` (a condition on ``lines__...``), or None for both when none does.

    One query: the lines are joined to their accounts (LEFT JOIN: an account without lines is
    there once, with None) and ``lines`` filters the sums, not the rows, so that no account drops
    out of the answer.
    """
    condition = lines or None
    rows = (
        accounts.annotate(line_currency=models.F("lines__entry__currency"))
        .annotate(debit=_sum("lines__debit", condition), credit=_sum("lines__credit", condition))
        .order_by("code", "line_currency")
    )
    if connection.vendor != "sqlite":
        return list(rows)
    for row in rows:
        if row.debit is not None:
            row.debit, row.credit = _units(row.debit), _units(row.credit)
    return list(rows)


def _dated(as_of: datetime.date | None) -> Q:
    return Q(lines__entry__date__lte=as_of) if as_of else Q()


def _sum(column: str, condition: Q | None = None):
    """``SUM(column)`` (of the rows meeting ``condition``); on SQLite, which stores decimals as
    floats, a sum of exact integers of ten-thousandths (a float sum of 17 lines can already be
    off by 0.0001)."""
    if connection.vendor != "sqlite":
        return Sum(column, filter=condition, output_field=TOTAL)
    units = Round(models.F(column) * SCALE)
    return Sum(
        Cast(units, models.BigIntegerField()), filter=condition,
        output_field=models.BigIntegerField(),
    )  # fmt: skip


def _units(total: int | None) -> Decimal:
    return (Decimal(total or 0) / SCALE).quantize(ZERO)
