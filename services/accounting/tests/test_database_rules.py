"""PostgreSQL itself refuses what bypasses ledger.services: unbalanced entries (at commit),
accounts of another organisation, and any change to posted entries.

These tests commit for real (``transaction=True``); they need PostgreSQL and are skipped on
SQLite, which has no deferred triggers (``WANZO_REQUIRE_POSTGRES=1`` makes the skip a failure).
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from ledger import chart
from ledger.models import Account, JournalEntry, JournalLine
from ledger.services import chart_ensure_default

from .conftest import new_id

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        if os.environ.get("WANZO_REQUIRE_POSTGRES") == "1":
            pytest.fail("WANZO_REQUIRE_POSTGRES=1 but the database is not PostgreSQL")
        pytest.skip("the deferred balance trigger exists on PostgreSQL only")


def books() -> tuple[str, Account, Account]:
    organization_id = new_id()
    chart_ensure_default(organization_id=organization_id)
    accounts = Account.objects.filter(organization_id=organization_id)
    return organization_id, accounts.get(code=chart.CASH), accounts.get(code=chart.SALES_REVENUE)


def raw_entry(organization_id: str) -> JournalEntry:
    return JournalEntry.objects.create(
        organization_id=organization_id, journal_type="general", currency="USD",
        date=datetime.date(2026, 1, 1), source="api",
    )  # fmt: skip


def test_an_unbalanced_entry_inserted_with_the_orm_fails_at_commit():
    organization_id, cash, revenue = books()
    inserted = False
    with pytest.raises(IntegrityError, match="does not balance: debits 100.0000 and credits "
                                             "90.0000 differ by 10.0000"):  # fmt: skip
        with transaction.atomic():
            entry = raw_entry(organization_id)
            JournalLine.objects.create(entry=entry, account=cash, debit=Decimal(100))
            JournalLine.objects.create(entry=entry, account=revenue, credit=Decimal(90))
            inserted = True  # every statement passed: only COMMIT checks the whole
    assert inserted
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()


def test_a_balanced_entry_inserted_with_the_orm_commits():
    organization_id, cash, revenue = books()
    with transaction.atomic():
        entry = raw_entry(organization_id)
        JournalLine.objects.create(entry=entry, account=cash, debit=Decimal(100))
        JournalLine.objects.create(entry=entry, account=revenue, credit=Decimal(100))
    assert JournalLine.objects.filter(entry=entry).count() == 2


def test_an_entry_without_lines_fails_at_commit():
    organization_id, _, _ = books()
    with pytest.raises(IntegrityError, match="has no amounts"):
        with transaction.atomic():
            raw_entry(organization_id)


def test_an_account_of_another_organisation_fails_at_commit():
    organization_id, cash, _ = books()
    _, _, their_revenue = books()
    with pytest.raises(IntegrityError, match="account of another organisation"):
        with transaction.atomic():
            entry = raw_entry(organization_id)
            JournalLine.objects.create(entry=entry, account=cash, debit=Decimal(5))
            JournalLine.objects.create(entry=entry, account=their_revenue, credit=Decimal(5))


def test_posted_entries_are_never_updated_or_deleted():
    organization_id, cash, revenue = books()
    with transaction.atomic():
        entry = raw_entry(organization_id)
        JournalLine.objects.create(entry=entry, account=cash, debit=Decimal(7))
        JournalLine.objects.create(entry=entry, account=revenue, credit=Decimal(7))
    for change in (
        lambda: JournalLine.objects.filter(entry=entry).update(debit=Decimal(8)),
        lambda: JournalLine.objects.filter(entry=entry).delete(),
        lambda: JournalEntry.objects.filter(pk=entry.pk).update(description="edited"),
    ):
        with pytest.raises(IntegrityError, match="never updated or deleted"):
            with transaction.atomic():
                change()
