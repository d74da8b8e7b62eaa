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
from decimal import Decimal, InvalidOperation

from django.db import transaction

from ledger import chart
from ledger.errors import EntryRejected
from ledger.models import Account, EntrySource, JournalEntry, JournalType
from ledger.rules import LineInput, check_amount, reject
from ledger.services import chart_ensure_default, entry_post
from wanzo_common.events import publish
from wanzo_common.events.envelope import format_time, parse_time, utcnow
from wanzo_common.events.registry import current_delivery
from wanzo_common.money import format_amount

PRECISION = Decimal("0.0001")  # events carry amounts at the ledger's precision: "1500.5000"


def sale_book(
    *,
    organization_id: str,
    transaction_id: str,
    amount: str,
    currency: str,
    transaction_date: str,
    description: str = "",
    user_id: str = "",
) -> JournalEntry | None:
    """Debit cash, credit sales revenue; publish ``transaction.completed`` or ``.failed``.

    ``amount`` and ``transaction_date`` are the event's texts (a decimal, an RFC 3339 time).
    """
    batch = _in_batch()
    with transaction.atomic(savepoint=not batch):
        try:
            value = _positive_amount(amount, journal_type=JournalType.SALES)
            date = _date_of(transaction_date, journal_type=JournalType.SALES)
            entry, created = _book(
                organization_id=organization_id,
                journal_type=JournalType.SALES,
                debit=chart.CASH,
                credit=chart.SALES_REVENUE,
                amount=value,
                currency=currency,
                date=date,
                description=description[:500] or f"Sale {transaction_id}",
                source=EntrySource.SALE,
                reference=transaction_id,
                user_id=user_id,
                savepoint=not batch,
            )
        except EntryRejected as refusal:
            publish("transaction.failed", {
                "transactionId": transaction_id, "companyId": organization_id,
                "amount": amount, "currency": currency, "reason": refusal.message,
                "errorCode": refusal.code, "timestamp": format_time(utcnow()),
            })  # fmt: skip
            return None
        if created:  # a duplicate was answered when it was first booked
            now = format_time(utcnow())
            publish("transaction.completed", {
                "transactionId": transaction_id, "companyId": organization_id,
                "amount": format_amount(value.quantize(PRECISION)), "currency": currency,
                "completedAt": now, "timestamp": now,
            })  # fmt: skip
        return entry


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
        accounts=list(accounts.values()),
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
