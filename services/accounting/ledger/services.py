"""The ledger's writes: the chart of accounts, posting an entry, reversing one.

Every double-entry rule is checked first (:mod:`ledger.rules`), so a refusal is a clear 400
naming what is wrong; the database holds the same rules again (constraints, and on PostgreSQL a
deferred trigger that checks every entry balances at commit) for code that bypasses this module.
Posting moves the accounting metrics; bookings of other services' events are in
:mod:`ledger.bookings`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from ledger import chart, observe
from ledger.errors import Conflict
from ledger.models import Account, EntrySource, JournalEntry, JournalLine, JournalType
from ledger.periods import period_lock_get, period_lock_of
from ledger.rules import (
    LineInput,
    canonical_id,
    check_entry,
    check_may_post,
    check_may_reverse,
    check_period_open,
    check_replay,
    entry_fingerprint,
    valid_ids,
)

__all__ = [
    "LineInput",
    "Posting",
    "account_create",
    "chart_create_default",
    "chart_ensure_default",
    "entry_post",
    "entry_reverse",
    "posting_check",
    "postings_write",
]

logger = logging.getLogger(__name__)


def chart_ensure_default(*, organization_id: str) -> None:
    """Create the organisation's default chart of accounts unless it exists (race-safe)."""
    if not Account.objects.filter(organization_id=organization_id, code=chart.CASH).exists():
        chart_create_default(organization_ids=[organization_id])


def chart_create_default(*, organization_ids: Iterable[str]) -> None:
    """Create the default chart of every organisation given, in one statement (race-safe: an
    account an organisation already has is left as it is)."""
    Account.objects.bulk_create(
        [
            Account(organization_id=organization_id, code=item.code, name=item.name, type=item.type)
            for organization_id in organization_ids
            for item in chart.DEFAULT_CHART
        ],
        ignore_conflicts=True,
    )


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
    role: str | None = None,
    savepoint: bool = True,
) -> tuple[JournalEntry, bool]:
    """Post a balanced entry atomically; ``(entry, created)``.

    With a ``source_reference``, posting is idempotent: the entry already posted under the same
    source and reference is returned with ``created=False`` and nothing is written; the same
    reference with a different entry is refused (:class:`ledger.errors.ReferenceReused`, 422).
    ``role`` is the caller's (None for events): clerks keep off the reserved journals. A new
    entry comes back with the lines it posted as ``posted_lines``: answering needs no re-read.
    One query reads what the rules need (the lines' accounts, the period lock, whether the
    reference was used); a replay, or lines naming no account of the organisation, read more.

    ``savepoint=False``: inside a caller's transaction that is retried as a whole when it fails
    (a consumer's batch), the posting takes no savepoint (two statements fewer); a concurrent
    posting of the same reference then fails that transaction, whose retry finds the entry.
    """
    check_may_post(role=role, journal_type=journal_type)
    fingerprint = ""  # what the reference stands for: only an entry with one needs it
    if source_reference is not None:
        fingerprint = entry_fingerprint(
            journal_type=journal_type, currency=currency, lines=lines, date=date,
            description=description,
        )  # fmt: skip
    accounts = _accounts_for_posting(organization_id, lines, source, source_reference)
    if source_reference is not None and (not accounts or accounts[0].reference_used):
        existing = _posted_from(organization_id, source, source_reference)
        if existing is not None:
            return check_replay(existing, fingerprint), False
    posting = posting_check(
        organization_id=organization_id, journal_type=journal_type, currency=currency,
        lines=lines, date=date or timezone.localdate(), description=description, source=source,
        source_reference=source_reference, created_by=created_by, reversal_of=reversal_of,
        fingerprint=fingerprint, accounts=accounts,
        locked_through=(accounts[0].locked_through if accounts
                        else period_lock_get(organization_id=organization_id)),
    )  # fmt: skip
    try:
        with transaction.atomic(savepoint=savepoint):
            postings_write([posting])
    except IntegrityError:
        if not savepoint and transaction.get_connection().in_atomic_block:
            raise  # the caller's transaction is lost: its retry finds the other posting
        # The same source reference posted concurrently: the other posting won.
        existing = source_reference and _posted_from(organization_id, source, source_reference)
        if not existing:
            raise
        return check_replay(existing, fingerprint), False
    return posting.entry, True


@dataclass
class Posting:
    """An entry that meets every rule, with its lines, not yet written (:func:`postings_write`)."""

    entry: JournalEntry
    lines: list[JournalLine]
    account_types: set[str]
    total: Decimal


def posting_check(
    *,
    organization_id: str,
    journal_type: str,
    currency: str,
    lines: Sequence[LineInput],
    date: datetime.date,
    description: str,
    source: str,
    source_reference: str | None,
    created_by: str,
    fingerprint: str,
    locked_through: datetime.date | None,
    accounts: Sequence[Account],
    reversal_of: JournalEntry | None = None,
) -> Posting:
    """The entry to write, or :class:`EntryRejected` saying why not; nothing is read but what
    ``accounts`` lacks (the caller reads the organisation's lock and accounts, for one posting
    or many at once)."""
    check_period_open(date=date, locked_through=locked_through, journal_type=journal_type)
    found, total = check_entry(
        organization_id=organization_id, journal_type=journal_type, currency=currency,
        lines=lines, known={str(account.id): account for account in accounts},
    )  # fmt: skip
    entry = JournalEntry(
        organization_id=organization_id,
        journal_type=journal_type,
        currency=currency,
        description=description,
        date=date,
        source=source,
        source_reference=source_reference,
        reversal_of=reversal_of,
        created_by=created_by,
        fingerprint=fingerprint,
    )
    posted = [
        JournalLine(
            entry=entry,
            account=found[canonical_id(line.account_id)],
            debit=line.debit,
            credit=line.credit,
            description=line.description,
        )
        for line in lines
    ]
    return Posting(entry, posted, {account.type for account in found.values()}, total)


def postings_write(postings: Sequence[Posting]) -> None:
    """Insert the entries, then all their lines: two statements, however many entries.

    Each entry gets its lines as ``posted_lines``, moves the metrics and is logged.
    """
    if not postings:
        return
    JournalEntry.objects.bulk_create([posting.entry for posting in postings])
    JournalLine.objects.bulk_create([line for posting in postings for line in posting.lines])
    for posting in postings:
        posting.entry.posted_lines = posting.lines
        logger.info("journal entry %s posted (%s)", posting.entry.id, posting.entry.journal_type)
    observe.entries_posted((posting.entry, posting.account_types, posting.total)
                           for posting in postings)  # fmt: skip


def entry_reverse(
    *,
    entry: JournalEntry,
    created_by: str = "",
    date: datetime.date | None = None,
    description: str = "",
    role: str | None = None,
) -> JournalEntry:
    """Post the mirror image of ``entry`` (debits and credits swapped), once only."""
    check_may_reverse(role=role, entry=entry)
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


def _accounts_for_posting(
    organization_id: str, lines: Sequence[LineInput], source: str, reference: str | None
) -> list[Account]:
    """The lines' accounts of the organisation, each with its ``locked_through`` and whether
    ``reference`` was used (``reference_used``): one query."""
    accounts = Account.objects.filter(
        organization_id=organization_id,
        id__in=valid_ids({canonical_id(line.account_id) for line in lines}),
    ).annotate(locked_through=period_lock_of(organization_id))
    if reference is not None:
        posted = JournalEntry.objects.filter(
            organization_id=organization_id, source=source, source_reference=reference
        )
        accounts = accounts.annotate(reference_used=Exists(posted))
    return list(accounts)


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
