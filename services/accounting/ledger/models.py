"""The ledger's tables: accounts, journal entries and their lines.

Entries are append-only: a posted entry is never updated or deleted, a mistake is undone by a
reversal entry (``reversal_of``). Debits and credits are two non-negative columns with one side
used per line, so sums need no sign convention. What the database can hold is held there:
unique codes and idempotency keys per organisation, one side per line, one reversal per entry,
and (on PostgreSQL, migration 0002) balanced entries checked at commit.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django_prometheus.models import ExportModelOperationsMixin

from wanzo_common.money import AmountField, CurrencyField

ORGANIZATION_ID_LENGTH = 200  # the events' entityId/companyId limit


class AccountType(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    EQUITY = "equity", "Equity"
    INCOME = "income", "Income"
    EXPENSE = "expense", "Expense"


# Accounts whose balance grows with debits; the others grow with credits.
DEBIT_NORMAL = frozenset({AccountType.ASSET, AccountType.EXPENSE})


class JournalType(models.TextChoices):
    GENERAL = "general", "General"
    SALES = "sales", "Sales"
    SUBSCRIPTION = "subscription", "Subscription"
    REVERSAL = "reversal", "Reversal"


class EntryStatus(models.TextChoices):
    POSTED = "posted", "Posted"


class EntrySource(models.TextChoices):
    """Where an entry came from; with ``source_reference`` it is the idempotency key."""

    API = "api", "API"
    SALE = "transaction.created", "Sale from the mobile app"
    SUBSCRIPTION_CREATED = "subscription.created", "Subscription created"
    SUBSCRIPTION_CHANGED = "subscription.changed", "Subscription changed"
    REVERSAL = "reversal", "Reversal"


class Account(ExportModelOperationsMixin("account"), models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization_id = models.CharField(max_length=ORGANIZATION_ID_LENGTH)
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=10, choices=AccountType.choices)
    # None: the account takes entries in any currency (balances are kept per currency).
    currency = CurrencyField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization_id", "code"], name="ledger_account_code_unique_per_org"
            ),
            models.CheckConstraint(
                condition=Q(type__in=AccountType.values), name="ledger_account_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class JournalEntry(ExportModelOperationsMixin("journal_entry"), models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization_id = models.CharField(max_length=ORGANIZATION_ID_LENGTH)
    journal_type = models.CharField(max_length=20, choices=JournalType.choices)
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default="posted")
    currency = CurrencyField()
    description = models.CharField(max_length=500, blank=True)
    date = models.DateField()
    source = models.CharField(max_length=40, choices=EntrySource.choices)
    source_reference = models.CharField(max_length=200, null=True, blank=True)
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_by = models.CharField(max_length=200, blank=True)  # a user id, or "" for events
    # SHA-256 of what was posted under source_reference: a reuse for another entry is a 422.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name_plural = "journal entries"
        indexes = [
            models.Index(fields=["organization_id", "date"], name="ledger_entry_org_date"),
            models.Index(
                fields=["organization_id", "journal_type", "date"], name="ledger_entry_org_type"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization_id", "source", "source_reference"],
                condition=Q(source_reference__isnull=False),
                name="ledger_entry_source_unique_per_org",
            ),
            # A reversal points at what it reverses, and only a reversal does.
            models.CheckConstraint(
                condition=Q(journal_type="reversal", reversal_of__isnull=False)
                | (~Q(journal_type="reversal") & Q(reversal_of__isnull=True)),
                name="ledger_entry_reversal_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.journal_type} entry {self.id}"


class PeriodLock(models.Model):
    """An organisation's closed books: no entry is dated on or before ``locked_through``."""

    organization_id = models.CharField(max_length=ORGANIZATION_ID_LENGTH, unique=True)
    locked_through = models.DateField()
    locked_by = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organization_id} closed through {self.locked_through}"


class JournalLine(ExportModelOperationsMixin("journal_line"), models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    debit = AmountField(default=0)
    credit = AmountField(default=0)
    description = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(debit=0) & Q(credit__gt=0)),
                name="ledger_line_one_side_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.pk} of {self.entry_id}"
