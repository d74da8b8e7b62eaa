"""PostgreSQL itself refuses what bypasses ledger.services: unbalanced entries (at commit),
accounts of another organisation, and any change to posted entries.

These tests commit for real (``transaction=True``); they need PostgreSQL and are skipped on
SQLite, which has no deferred triggers (``WANZO_REQUIRE_POSTGRES=1`` makes the skip a failure).
"""

from __future__ import annotations

import datetime
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from ledger import chart
from ledger.bookings import sale_book
from ledger.models import Account, JournalEntry, JournalLine
from ledger.rules import LineInput
from ledger.services import chart_ensure_default, entry_post, entry_reverse

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


def concurrently(func, times: int = 2) -> list:
    """Run ``func`` in ``times`` threads at once (each on its own connection); their results."""
    barrier = threading.Barrier(times)

    def run():
        barrier.wait()
        try:
            return func()
        except Exception as exc:  # noqa: BLE001 (the test looks at what each thread got)
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(lambda _: run(), range(times)))


def test_two_concurrent_reversals_post_one():
    organization_id, cash, revenue = books()
    entry, _ = entry_post(
        organization_id=organization_id, journal_type="general", currency="USD",
        lines=[LineInput(cash.id, debit=Decimal(3)), LineInput(revenue.id, credit=Decimal(3))],
    )  # fmt: skip
    results = concurrently(lambda: entry_reverse(entry=entry))
    assert sorted(type(result).__name__ for result in results) == ["Conflict", "JournalEntry"]
    assert JournalEntry.objects.filter(reversal_of=entry).count() == 1


def test_the_same_sale_booked_concurrently_posts_once():
    organization_id, _, _ = books()
    transaction_id = new_id()
    results = concurrently(
        lambda: sale_book(
            organization_id=organization_id,
            transaction_id=transaction_id,
            amount="12.5",
            currency="CDF",
            transaction_date="2026-03-01T10:00:00Z",
        )  # fmt: skip
    )
    assert len({result.id for result in results}) == 1
    assert JournalEntry.objects.filter(source_reference=transaction_id).count() == 1
