"""Booking other services' business events in an organisation's books.

A sale recorded on the phone (``transaction.created``) becomes a sales entry and the phone
hears back ``transaction.completed``, or ``transaction.failed`` with the reason when it cannot
be booked. A subscription charge (``subscription.created`` / ``subscription.changed`` with a
price) becomes a subscription entry. Each booking is idempotent by its business key (the
transaction id, the subscription id or event id) through the entry's unique source reference,
and runs in one database transaction with the events it publishes (the outbox).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import OuterRef

from ledger import chart
from ledger.errors import EntryRejected
from ledger.models import Account, EntrySource, JournalEntry, JournalType
from ledger.periods import period_lock_of
from ledger.rules import LineInput, check_amount, check_replay, entry_fingerprint, reject
from ledger.services import (
    chart_create_default,
    chart_ensure_default,
    entry_post,
    posting_check,
    postings_write,
)
from wanzo_common.events import publish_many
from wanzo_common.events.envelope import format_time, parse_time, utcnow
from wanzo_common.events.registry import current_delivery
from wanzo_common.money import format_amount

PRECISION = Decimal("0.0001")  # events carry amounts at the ledger's precision: "1500.5000"


@dataclass(frozen=True)
class Sale:
    """A sale to book, as ``transaction.created`` gives it: the amount and the time as texts
    (a decimal, an RFC 3339 time), checked when it is booked."""

    organization_id: str
    transaction_id: str
    amount: str
    currency: str
    transaction_date: str
    description: str = ""
    user_id: str = ""


def sales_book(sales: Sequence[Sale]) -> list[JournalEntry | None]:
    """Book each sale (debit cash, credit sales revenue) and answer it: ``transaction.completed``
    or ``.failed`` with the reason; per sale, its entry (None when refused).

    A few statements for any number of sales: one read of their organisations' cash and
    revenue accounts with their period locks (the charts of those that have none created
    first), one of the entries already posted for them, then the new entries, their lines and
    the answers in one insert each. The rules are those of
    :func:`~ledger.services.entry_post`, checked in the same order with the same refusals. A
    sale booked before (here or earlier in the list) is answered by its first booking: nothing
    is written and nothing is published again.

    In a consumer's batch any database error fails the batch, which is applied again one event
    at a time. A direct caller gets its own transaction; if a concurrent booking of the same
    sale wins (or closes the period) while this one writes, the sales are read and booked again.
    """
    if _in_batch():
        return _sales_book(sales)
    with transaction.atomic():
        try:
            with transaction.atomic():
                return _sales_book(sales)
        except IntegrityError:
            return _sales_book(sales)


def _sales_book(sales: Sequence[Sale]) -> list[JournalEntry | None]:
    journal_type = JournalType.SALES
    booked: list[JournalEntry | None] = [None] * len(sales)
    answers: dict[int, tuple[str, dict]] = {}
    valid = []  # (index, sale, amount, date) of the sales with an amount and a date
    for index, sale in enumerate(sales):
        try:
            amount = _positive_amount(sale.amount, journal_type=journal_type)
            date = _date_of(sale.transaction_date, journal_type=journal_type)
        except EntryRejected as refusal:
            answers[index] = _sale_failed(sale, refusal)
            continue
        valid.append((index, sale, amount, date))
    books = _sales_books({sale.organization_id for _, sale, _, _ in valid})
    posted = _sales_posted(sale for _, sale, _, _ in valid)
    postings = []
    for index, sale, amount, date in valid:
        cash, revenue = books[sale.organization_id]
        lines = [LineInput(cash.id, debit=amount), LineInput(revenue.id, credit=amount)]
        description = sale.description[:500] or f"Sale {sale.transaction_id}"
        key = (sale.organization_id, sale.transaction_id)
        fingerprint = entry_fingerprint(
            journal_type=journal_type, currency=sale.currency, lines=lines, date=date,
            description=description,
        )  # fmt: skip
        try:
            if key in posted:  # a duplicate was answered when it was first booked
                booked[index] = check_replay(posted[key], fingerprint)
                continue
            posting = posting_check(
                organization_id=sale.organization_id, journal_type=journal_type,
                currency=sale.currency, lines=lines, date=date, description=description,
                source=EntrySource.SALE, source_reference=sale.transaction_id,
                created_by=sale.user_id, fingerprint=fingerprint, accounts=(cash, revenue),
                locked_through=cash.locked_through,
            )  # fmt: skip
        except EntryRejected as refusal:
            answers[index] = _sale_failed(sale, refusal)
            continue
        postings.append(posting)
        booked[index] = posted[key] = posting.entry
        now = format_time(utcnow())
        answers[index] = ("transaction.completed", {
            "transactionId": sale.transaction_id, "companyId": sale.organization_id,
            "amount": format_amount(amount.quantize(PRECISION)), "currency": sale.currency,
            "completedAt": now, "timestamp": now,
        })  # fmt: skip
    postings_write(postings)
    publish_many(answers[index] for index in sorted(answers))
    return booked


def _sale_failed(sale: Sale, refusal: EntryRejected) -> tuple[str, dict]:
    return ("transaction.failed", {
        "transactionId": sale.transaction_id, "companyId": sale.organization_id,
        "amount": sale.amount, "currency": sale.currency, "reason": refusal.message,
        "errorCode": refusal.code, "timestamp": format_time(utcnow()),
    })  # fmt: skip


def _sales_books(organization_ids: set[str]) -> dict[str, tuple[Account, Account]]:
    """The cash and sales revenue accounts of each organisation, each account with its
    organisation's ``locked_through``; the charts of organisations without one are created."""
    books = _cash_and_revenue(organization_ids)
    if lacking := organization_ids - books.keys():
        chart_create_default(organization_ids=sorted(lacking))
        books = _cash_and_revenue(organization_ids)
    return books


def _cash_and_revenue(organization_ids: set[str]) -> dict[str, tuple[Account, Account]]:
    if not organization_ids:
        return {}
    found = Account.objects.filter(
        organization_id__in=organization_ids, code__in=(chart.CASH, chart.SALES_REVENUE)
    ).annotate(locked_through=period_lock_of(OuterRef("organization_id")))
    coded = {(account.organization_id, account.code): account for account in found}
    return {
        organization_id: (coded[organization_id, chart.CASH],
                          coded[organization_id, chart.SALES_REVENUE])
        for organization_id in organization_ids
        if (organization_id, chart.CASH) in coded and (organization_id, chart.SALES_REVENUE) in coded
    }  # fmt: skip


def _sales_posted(sales: Iterable[Sale]) -> dict[tuple[str, str], JournalEntry]:
    """The entries already posted for these sales, by (organisation, transaction id)."""
    keys = {(sale.organization_id, sale.transaction_id) for sale in sales}
    if not keys:
        return {}
    entries = JournalEntry.objects.filter(
        source=EntrySource.SALE,
        organization_id__in={organization_id for organization_id, _ in keys},
        source_reference__in={reference for _, reference in keys},
    )
    posted = {(entry.organization_id, entry.source_reference): entry for entry in entries}
    return {key: entry for key, entry in posted.items() if key in keys}


def subscription_charge_book(
    *,
    organization_id: str,
    source: str,
    reference: str,
    amount: str | None,
    currency: str | None,
    plan: str,
    date: datetime.date,
    user_id: str = "",
) -> JournalEntry | None:
    """Debit subscription expense, credit payables; None when there is nothing to charge.

    Raises :class:`EntryRejected` for a charge that can never be booked (a bad currency).
    """
    if amount is None or _at_most_zero(amount):
        return None  # a free plan, or a change that carries no price
    journal_type = JournalType.SUBSCRIPTION
    if currency is None:
        raise reject(journal_type, "invalid_currency", "The charge has an amount but no currency.")
    batch = _in_batch()
    with transaction.atomic(savepoint=not batch):
        entry, _ = _book(
            organization_id=organization_id,
            journal_type=journal_type,
            debit=chart.SUBSCRIPTION_EXPENSE,
            credit=chart.PAYABLES,
            amount=_positive_amount(amount, journal_type=journal_type),
            currency=currency,
            date=date,
            description=f"Wanzo {plan} plan subscription",
            source=source,
            reference=reference,
            user_id=user_id,
            savepoint=not batch,
        )
    return entry


def _book(
    *,
    organization_id: str,
    journal_type: str,
    debit: str,
    credit: str,
    amount: Decimal,
    currency: str,
    date: datetime.date,
    description: str,
    source: str,
    reference: str,
    user_id: str,
    savepoint: bool,
) -> tuple[JournalEntry, bool]:
    """Post ``amount`` from the account coded ``credit`` to the one coded ``debit``.

    One read of both accounts; the organisation's first booking creates its chart first.
    """
    accounts = _accounts_coded(organization_id, (debit, credit))
    if len(accounts) < 2:
        chart_ensure_default(organization_id=organization_id)
        accounts = _accounts_coded(organization_id, (debit, credit))
    return entry_post(
        organization_id=organization_id,
        journal_type=journal_type,
        currency=currency,
        lines=[
            LineInput(accounts[debit].id, debit=amount),
            LineInput(accounts[credit].id, credit=amount),
        ],
        savepoint=savepoint,
        date=date,
        description=description,
        source=source,
        source_reference=reference,
        created_by=user_id,
    )


def _in_batch() -> bool:
    """Called by a consumer's handler, in the batch's transaction, which fails and is retried as
    a whole (ADR 0006): savepoints would only add statements. A direct caller gets its own
    transaction, with a savepoint so that a concurrent booking of the same key is answered."""
    return current_delivery() is not None and transaction.get_connection().in_atomic_block


def _accounts_coded(organization_id: str, codes: tuple[str, ...]) -> dict[str, Account]:
    found = Account.objects.filter(organization_id=organization_id, code__in=codes)
    return {account.code: account for account in found}


def _date_of(text: str, *, journal_type: str) -> datetime.date:
    try:
        return parse_time(text).date()
    except ValueError:
        raise reject(journal_type, "invalid_date", f"{text!r} is not a date and time.") from None


def _at_most_zero(text: str) -> bool:
    try:
        return Decimal(text) <= 0
    except InvalidOperation:
        return False  # not an amount: refused with its reason by _positive_amount


def _positive_amount(text: str, *, journal_type: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise reject(journal_type, "invalid_amount", f"{text!r} is not an amount.") from None
    if not value.is_finite() or value <= 0:
        raise reject(journal_type, "invalid_amount", "The amount must be greater than zero.")
    check_amount(value, what="The amount", journal_type=journal_type)
    return value
