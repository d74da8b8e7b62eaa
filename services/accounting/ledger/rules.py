"""The double-entry rules an entry must meet before it is posted, each refusal with its reason.

Checked in Python first so that a refusal is a clear 400 (``code`` and ``detail``: which line,
which currency, by how much it does not balance) and is counted as a rejected entry; PostgreSQL
checks the essentials again at commit (migration 0002).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError

from ledger import observe
from ledger.errors import EntryRejected, NotAllowed, PeriodClosed, ReferenceReused
from ledger.models import Account, EntrySource, JournalEntry, JournalType
from wanzo_common.api.roles import Role
from wanzo_common.idempotency import fingerprint, matches
from wanzo_common.money import (
    DECIMAL_PLACES,
    amount_limit,
    amount_problem,
    format_amount,
    validate_currency,
)

ZERO = Decimal(0)
# Users of an organisation who keep its day-to-day books but not what other services write.
CLERKS = frozenset({Role.SME_USER, Role.INSTITUTION_USER})
RESERVED_JOURNALS = frozenset({JournalType.SALES, JournalType.SUBSCRIPTION})


@dataclass(frozen=True)
class LineInput:
    """One line to post: an amount on one side of one account."""

    account_id: uuid.UUID | str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    currency: str | None = None  # optional; when given it must be the entry's currency
    description: str = ""


def check_amount(value: Decimal, *, what: str, journal_type: str) -> None:
    """Refuse an amount a line cannot hold: negative, too precise or too large."""
    if not value.is_finite() or value < 0:
        raise reject(journal_type, "invalid_amount", f"{what} must not be negative.")
    if value.as_tuple().exponent < -DECIMAL_PLACES:
        raise reject(
            journal_type, "invalid_amount", f"{what} has more than {DECIMAL_PLACES} decimal places."
        )
    if value >= (limit := amount_limit()):
        raise reject(journal_type, "invalid_amount", f"{what} is not below {limit:f}.")


def reject(
    journal_type: str, code: str, message: str, error: type = EntryRejected, **extra
) -> EntryRejected:
    """An :class:`EntryRejected` to raise, counted as a rejected entry."""
    observe.entry_rejected(journal_type)
    return error(message, code=code, **extra)


def check_entry(
    *,
    organization_id: str,
    journal_type: str,
    currency: str,
    lines: Sequence[LineInput],
    known: dict[str, Account] | None = None,
) -> tuple[dict[str, Account], Decimal]:
    """The entry's accounts by id and its total, or :class:`EntryRejected` saying why not.

    ``known``: accounts already read by id (the organisation's); read again only if any is
    missing.
    """
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
    return _accounts_of(organization_id, journal_type, currency, lines, known or {}), debits


def _check_line(number: int, line: LineInput, currency: str, journal_type: str) -> None:
    what = f"Line {number}"
    check_amount(line.debit, what=f"{what}'s debit", journal_type=journal_type)
    check_amount(line.credit, what=f"{what}'s credit", journal_type=journal_type)
    for side, amount in (("debit", line.debit), ("credit", line.credit)):
        if amount and (problem := amount_problem(amount, currency)):
            raise reject(journal_type, "invalid_amount", f"{what}'s {side}: {problem}")
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
    organization_id: str,
    journal_type: str,
    currency: str,
    lines: Sequence[LineInput],
    known: dict[str, Account],
) -> dict[str, Account]:
    wanted = {canonical_id(line.account_id) for line in lines}
    found = {key: known[key] for key in wanted if key in known}
    if len(found) < len(wanted):
        found = {
            str(account.id): account
            for account in Account.objects.filter(
                organization_id=organization_id, id__in=valid_ids(wanted)
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


def canonical_id(value: uuid.UUID | str) -> str:
    """An account id as ``str(UUID)``; a value that is no UUID stays as given (and is unknown)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def valid_ids(values: set[str]) -> list[uuid.UUID]:
    """The values that are UUIDs (the others name no account)."""
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            pass
    return ids


def entry_fingerprint(
    *,
    journal_type: str,
    currency: str,
    lines: Sequence[LineInput],
    date: datetime.date | None,
    description: str,
) -> str:
    """What an entry's reference stands for: the same reference must come with the same entry."""
    return fingerprint({
        "journal_type": journal_type, "currency": currency, "date": date,
        "description": description,
        "lines": [[canonical_id(line.account_id), line.debit, line.credit, line.currency,
                   line.description] for line in lines],
    })  # fmt: skip


def check_replay(existing: JournalEntry, incoming: str) -> JournalEntry:
    """The entry already posted under a reference, if the replay is the same entry (else 422)."""
    if matches(existing.fingerprint, incoming):
        return existing
    raise reject(
        existing.journal_type,
        "idempotency_key_reused",
        f"The reference {existing.source_reference!r} was used for a different entry "
        f"({existing.id}); use a new reference for a new entry.",
        error=ReferenceReused,
    )


def check_may_post(*, role: str | None, journal_type: str) -> None:
    """A clerk posts to the general journal; sales and subscriptions are booked from events."""
    if role in CLERKS and journal_type in RESERVED_JOURNALS:
        raise NotAllowed(
            f"The {journal_type} journal is booked from the mobile app's sales and from "
            "subscriptions; only the organisation's owner or admin may post to it.",
            code="journal_reserved",
        )


def check_may_reverse(*, role: str | None, entry: JournalEntry) -> None:
    """A clerk may not undo what another service booked (a sale, a subscription charge)."""
    if role in CLERKS and entry.source not in (EntrySource.API, EntrySource.REVERSAL):
        raise NotAllowed(
            f"Entry {entry.id} was booked from {entry.source}; only the organisation's owner or "
            "admin may reverse it.",
            code="reversal_reserved",
        )


def check_period_open(
    *, date: datetime.date, locked_through: datetime.date | None, journal_type: str
) -> None:
    """Refuse an entry dated in a period the organisation closed (:mod:`ledger.periods`).

    ``locked_through``: the organisation's lock, read by the caller with the rest of what a
    posting needs (one query for many postings, or one for the accounts and the lock).
    """
    if locked_through is not None and date <= locked_through:
        raise reject(
            journal_type,
            "period_closed",
            f"The books are closed through {locked_through}: date the entry after it.",
            error=PeriodClosed,
            locked_through=str(locked_through),
        )
