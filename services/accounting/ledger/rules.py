"""The double-entry rules an entry must meet before it is posted, each refusal with its reason.

Checked in Python first so that a refusal is a clear 400 (``code`` and ``detail``: which line,
which currency, by how much it does not balance) and is counted as a rejected entry; PostgreSQL
checks the essentials again at commit (migration 0002).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection

from ledger import observe
from ledger.errors import EntryRejected
from ledger.models import Account, JournalType
from wanzo_common.money import DECIMAL_PLACES, MAX_DIGITS, format_amount, validate_currency

AMOUNT_LIMIT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)  # what an AmountField can hold
# SQLite keeps decimals as 64-bit floats, exact to 15 significant digits: 11 before the point.
SQLITE_AMOUNT_LIMIT = Decimal(10) ** (15 - DECIMAL_PLACES)
ZERO = Decimal(0)


def amount_limit() -> Decimal:
    """The largest amount (exclusive) the database stores exactly."""
    return SQLITE_AMOUNT_LIMIT if connection.vendor == "sqlite" else AMOUNT_LIMIT


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


def reject(journal_type: str, code: str, message: str, **extra) -> EntryRejected:
    """An :class:`EntryRejected` to raise, counted as a rejected entry."""
    observe.entry_rejected(journal_type)
    return EntryRejected(message, code=code, **extra)


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


def canonical_id(value: uuid.UUID | str) -> str:
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
