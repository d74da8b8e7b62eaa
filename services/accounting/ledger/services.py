"""The ledger's writes: the chart of accounts, posting an entry, reversing one.

Every double-entry rule is checked here first, so a refusal is a clear 400 naming what is
wrong; the database holds the same rules again (constraints, and on PostgreSQL a deferred
trigger that checks every entry balances at commit) for code that bypasses this module.
Posting moves the accounting metrics; bookings of other services' events are in
:mod:`ledger.bookings`.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from ledger import chart, observe
from ledger.errors import Conflict, EntryRejected
from ledger.models import Account, EntrySource, JournalEntry, JournalLine, JournalType
from wanzo_common.money import DECIMAL_PLACES, MAX_DIGITS, format_amount, validate_currency

logger = logging.getLogger(__name__)

AMOUNT_LIMIT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)  # what an AmountField can hold
ZERO = Decimal(0)


@dataclass(frozen=True)
class LineInput:
    """One line to post: an amount on one side of one account."""

    account_id: uuid.UUID | str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    currency: str | None = None  # optional; when given it must be the entry's currency
    description: str = ""


def chart_ensure_default(*, organization_id: str) -> None:
    """Create the organisation's default chart of accounts unless it exists (race-safe)."""
    if Account.objects.filter(organization_id=organization_id, code=chart.CASH).exists():
        return
    accounts = [
        Account(organization_id=organization_id, code=item.code, name=item.name, type=item.type)
        for item in chart.DEFAULT_CHART
    ]
    Account.objects.bulk_create(accounts, ignore_conflicts=True)


def account_create(
    *, organization_id: str, code: str, name: str, type: str, currency: str | None = None
) -> Account:
    # The default chart first: a user's own account must never take one of its codes.
    chart_ensure_default(organization_id=organization_id)
    duplicate = ValidationError({"code": [f"This organisation already has an account {code}."]})
    if Account.objects.filter(organization_id=organization_id, code=code).exists():
        raise duplicate
    try:
        with transaction.atomic():
            return Account.objects.create(
                organization_id=organization_id, code=code, name=name, type=type, currency=currency
            )
    except IntegrityError:  # the same code created concurrently
        raise duplicate from None


def entry_post(
    *,
    organization_id: str,
    journal_type: str,
    currency: str,
    lines: Sequence[LineInput],
    date: datetime.date | None = None,
    description: str = "",
    source: str = EntrySource.API,
    source_reference: str | None = None,
    created_by: str = "",
    reversal_of: JournalEntry | None = None,
) -> tuple[JournalEntry, bool]:
    """Post a balanced entry atomically; ``(entry, created)``.

    With a ``source_reference``, posting is idempotent: the entry already posted under the same
    source and reference is returned with ``created=False`` and nothing is written.
    """
    if source_reference is not None:
        existing = _posted_from(organization_id, source, source_reference)
        if existing is not None:
            return existing, False
    chart_ensure_default(organization_id=organization_id)
    accounts, total = _check_entry(organization_id, journal_type, currency, lines)
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                organization_id=organization_id,
                journal_type=journal_type,
                currency=currency,
                description=description,
                date=date or timezone.localdate(),
                source=source,
                source_reference=source_reference,
                reversal_of=reversal_of,
                created_by=created_by,
            )
            JournalLine.objects.bulk_create(
                JournalLine(
                    entry=entry,
                    account=accounts[_canonical_id(line.account_id)],
                    debit=line.debit,
                    credit=line.credit,
                    description=line.description,
                )
                for line in lines
            )
    except IntegrityError:
        # The same source reference posted concurrently: the other posting won.
        existing = source_reference and _posted_from(organization_id, source, source_reference)
        if not existing:
            raise
        return existing, False
    observe.entry_posted(entry, {account.type for account in accounts.values()}, total)
    logger.info("journal entry %s posted (%s)", entry.id, entry.journal_type)
    return entry, True


def entry_reverse(
    *,
    entry: JournalEntry,
    created_by: str = "",
    date: datetime.date | None = None,
    description: str = "",
) -> JournalEntry:
    """Post the mirror image of ``entry`` (debits and credits swapped), once only."""
    with transaction.atomic():
        # The lock makes two concurrent reversals queue; the second finds the first.
        original = JournalEntry.objects.select_for_update().get(pk=entry.pk)
        if original.journal_type == JournalType.REVERSAL:
            raise Conflict(
                f"Entry {original.id} is a reversal; post a new entry instead of reversing it.",
                code="cannot_reverse_reversal",
            )
        done = JournalEntry.objects.filter(reversal_of=original).first()
        if done is not None:
            raise _already_reversed(original, done)
        reversal, created = entry_post(
            organization_id=original.organization_id,
            journal_type=JournalType.REVERSAL,
            currency=original.currency,
            lines=[
                LineInput(
                    account_id=line.account_id,
                    debit=line.credit,
                    credit=line.debit,
                    description=line.description,
                )
                for line in original.lines.all()
            ],
            date=date,
            description=description or f"Reversal of entry {original.id}",
            source=EntrySource.REVERSAL,
            source_reference=str(original.id),
            created_by=created_by,
            reversal_of=original,
        )
        if not created:
            raise _already_reversed(original, reversal)
    return reversal


def check_amount(value: Decimal, *, what: str, journal_type: str) -> None:
    """Refuse an amount a line cannot hold: negative, too precise or too large."""
    if not value.is_finite() or value < 0:
        raise reject(journal_type, "invalid_amount", f"{what} must be a positive amount.")
    if value.as_tuple().exponent < -DECIMAL_PLACES:
        raise reject(
            journal_type, "invalid_amount", f"{what} has more than {DECIMAL_PLACES} decimal places."
        )
    if value >= AMOUNT_LIMIT:
        raise reject(journal_type, "invalid_amount", f"{what} is larger than {AMOUNT_LIMIT}.")


def reject(journal_type: str, code: str, message: str, **extra) -> EntryRejected:
    """An :class:`EntryRejected` to raise, counted as a rejected entry."""
    observe.entry_rejected(journal_type)
    return EntryRejected(message, code=code, **extra)


def _check_entry(
    organization_id: str, journal_type: str, currency: str, lines: Sequence[LineInput]
) -> tuple[dict[str, Account], Decimal]:
    """The entry's accounts by id and its total, or :class:`EntryRejected` saying why not."""
    if journal_type not in JournalType.values:
        raise reject(
            journal_type, "invalid_journal_type", f"Unknown journal type {journal_type!r}."
        )
    try:
        validate_currency(currency)
    except DjangoValidationError as exc:
        raise reject(journal_type, "invalid_currency", exc.messages[0]) from None
    if len(lines) < 2:
        raise reject(journal_type, "too_few_lines", "An entry needs at least two lines.")
    for number, line in enumerate(lines, start=1):
        _check_line(number, line, currency, journal_type)
    debits = sum((line.debit for line in lines), ZERO)
    credits = sum((line.credit for line in lines), ZERO)
    if debits != credits:
        difference = abs(debits - credits)
        raise reject(
            journal_type,
            "unbalanced",
            f"The entry does not balance: debits {format_amount(debits)} and credits "
            f"{format_amount(credits)} differ by {format_amount(difference)} {currency}.",
            difference=format_amount(difference),
        )
    return _accounts_of(organization_id, journal_type, currency, lines), debits


def _check_line(number: int, line: LineInput, currency: str, journal_type: str) -> None:
    what = f"Line {number}"
    check_amount(line.debit, what=f"{what}'s debit", journal_type=journal_type)
    check_amount(line.credit, what=f"{what}'s credit", journal_type=journal_type)
    if (line.debit > 0) == (line.credit > 0):
        raise reject(
            journal_type, "invalid_line", f"{what} needs a debit or a credit above zero, not both."
        )
    if line.currency is not None and line.currency != currency:
        raise reject(
            journal_type,
            "mixed_currencies",
            f"{what} is in {line.currency} but the entry is in {currency}: one currency per entry.",
        )


def _accounts_of(
    organization_id: str, journal_type: str, currency: str, lines: Sequence[LineInput]
) -> dict[str, Account]:
    wanted = {_canonical_id(line.account_id) for line in lines}
    found = {
        str(account.id): account
        for account in Account.objects.filter(
            organization_id=organization_id, id__in=_valid_ids(wanted)
        )
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise reject(
            journal_type,
            "unknown_account",
            f"No account {', '.join(missing)} in this organisation's chart of accounts.",
        )
    for account in found.values():
        if account.currency and account.currency != currency:
            raise reject(
                journal_type,
                "mixed_currencies",
                f"Account {account.code} holds {account.currency} only; the entry is in {currency}.",
            )
    return found


def _canonical_id(value: uuid.UUID | str) -> str:
    """An account id as ``str(UUID)``; a value that is no UUID stays as given (and is unknown)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def _valid_ids(values: set[str]) -> list[uuid.UUID]:
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            pass
    return ids


def _posted_from(organization_id: str, source: str, reference: str) -> JournalEntry | None:
    return JournalEntry.objects.filter(
        organization_id=organization_id, source=source, source_reference=reference
    ).first()


def _already_reversed(original: JournalEntry, reversal: JournalEntry) -> Conflict:
    return Conflict(
        f"Entry {original.id} was already reversed by entry {reversal.id}.",
        code="already_reversed",
        reversed_by=str(reversal.id),
    )
