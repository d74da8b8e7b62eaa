"""PostgreSQL itself refuses what bypasses ledger.services: unbalanced entries (at commit),
accounts of another organisation, and any change to posted entries.

These tests commit for real (``transaction=True``); they need PostgreSQL and are skipped on
SQLite, which has no deferred triggers (``WANZO_REQUIRE_POSTGRES=1`` makes the skip a failure).
"""

from __future__ import annotations

import datetime
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from ledger import chart
from ledger.bookings import Sale, sales_book
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
        lambda: sales_book([
            Sale(
                organization_id=organization_id,
                transaction_id=transaction_id,
                amount="12.5",
                currency="CDF",
                transaction_date="2026-03-01T10:00:00Z",
            )
        ])[0]  # fmt: skip
    )
    assert len({result.id for result in results}) == 1
    assert JournalEntry.objects.filter(source_reference=transaction_id).count() == 1


def test_a_sale_booked_elsewhere_while_a_batch_writes_it_is_answered_once(events_outbox):
    """The consumer's bulk insert waits for the other booking and fails on the reference when
    that commits: the run is applied again one sale at a time, and the sale is a duplicate."""
    from wanzo_common.events import publish
    from wanzo_common.events.testing import assert_published

    organization_id, _, _ = books()
    contested, other = new_id(), new_id()
    sale = {"companyId": organization_id, "amount": "12.5", "currency": "CDF",
            "transactionDate": "2026-03-01T10:00:00Z"}  # fmt: skip
    publish("transaction.created", {**sale, "transactionId": other})
    publish("transaction.created", {**sale, "transactionId": contested})
    holding, release = threading.Event(), threading.Event()

    def book_and_hold():
        try:
            with transaction.atomic():
                sales_book([Sale(organization_id, contested, "12.5", "CDF",
                                 "2026-03-01T10:00:00Z")])  # fmt: skip
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    def consume():
        holding.wait(30)
        try:
            return events_outbox.deliver()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(book_and_hold), pool.submit(consume)]
        try:
            assert _wait_for_a_lock_waiter("ledger_journalentry")
        finally:
            release.set()
        stats = futures[1].result()
        futures[0].result()
    assert stats["handled"] == 2
    entries = JournalEntry.objects.filter(organization_id=organization_id)
    assert sorted(entries.values_list("source_reference", flat=True)) == sorted([contested, other])
    events_outbox.relay()
    assert_published("transaction.completed", 1, transactionId=contested)
    assert_published("transaction.completed", 1, transactionId=other)
    assert_published("transaction.failed", 0)


# --- As the application role: what the service's own connection may not do (0004, privileges).

APP_ROLE = "wanzo_ledger_app"


@pytest.fixture
def as_app():
    """A context manager running its block in a transaction as the application role, which
    exists (NOLOGIN here) and holds exactly what ``ledger.privileges`` grants."""
    from django.db import ProgrammingError
    from ledger.privileges import app_role_grant

    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
        except ProgrammingError:
            pass  # made by an earlier run (roles belong to the whole cluster)
    assert app_role_grant(role=APP_ROLE)

    class AsApp:
        def __enter__(self):
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.cursor = connection.cursor()
            self.cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
            return self.cursor

        def __exit__(self, *exc):
            self.cursor.close()
            return self.atomic.__exit__(*exc)

    return AsApp


def insert_entry(cursor, organization_id: str, *, currency: str = "USD", reversal_of=None):
    entry_id = str(uuid.uuid4())
    cursor.execute(
        "INSERT INTO ledger_journalentry (id, organization_id, journal_type, status, currency,"
        " description, date, source, reversal_of_id, created_by, fingerprint, created_at)"
        " VALUES (%s, %s, %s, 'posted', %s, '', '2026-01-01', 'api', %s, '', '', now())",
        [entry_id, organization_id, "reversal" if reversal_of else "general", currency,
         reversal_of],
    )  # fmt: skip
    return entry_id


def insert_pair(cursor, entry_id: str, debit_account, credit_account, amount: str = "5"):
    """A balanced pair of lines in one statement: only the row rules can refuse it."""
    cursor.execute(
        "INSERT INTO ledger_journalline (entry_id, account_id, debit, credit, description)"
        " VALUES (%s, %s, %s, 0, ''), (%s, %s, 0, %s, '')",
        [entry_id, debit_account.id, amount, entry_id, credit_account.id, amount],
    )


def posted(organization_id, cash, revenue, amount: str = "5") -> JournalEntry:
    entry, _ = entry_post(
        organization_id=organization_id, journal_type="general", currency="USD",
        lines=[LineInput(cash.id, debit=Decimal(amount)), LineInput(revenue.id,
                                                                   credit=Decimal(amount))],
    )  # fmt: skip
    return entry


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE ledger_journalline, ledger_journalentry CASCADE",
        "ALTER TABLE ledger_journalline DISABLE TRIGGER ALL",
        "DROP TRIGGER ledger_journalline_append_only ON ledger_journalline",
        "DROP TABLE ledger_journalline",
        "UPDATE ledger_journalline SET debit = debit + 1",
        "DELETE FROM ledger_journalentry",
        "DELETE FROM ledger_account",
        "DELETE FROM django_migrations",
    ],
)
def test_the_app_role_cannot_truncate_alter_drop_update_or_delete_the_books(as_app, statement):
    from django.db import ProgrammingError

    organization_id, cash, revenue = books()
    posted(organization_id, cash, revenue)
    with pytest.raises(ProgrammingError, match="permission denied|must be owner"):
        with as_app() as cursor:
            cursor.execute(statement)
    assert JournalLine.objects.count() == 2


def test_the_app_role_posts_and_reverses_through_the_services(as_app):
    organization_id, cash, revenue = books()
    with as_app():
        entry = posted(organization_id, cash, revenue)
        entry_reverse(entry=entry)
        Account.objects.create(organization_id=organization_id, code="1999", name="Till",
                               type="asset")  # fmt: skip
    assert JournalEntry.objects.filter(organization_id=organization_id).count() == 2


def test_no_line_joins_an_entry_committed_in_an_earlier_transaction(as_app):
    organization_id, cash, revenue = books()
    entry = posted(organization_id, cash, revenue)
    with pytest.raises(IntegrityError, match="posted in an earlier transaction"):
        with as_app() as cursor:
            insert_pair(cursor, str(entry.id), cash, revenue, "1000000")
    assert JournalLine.objects.filter(entry=entry).count() == 2


def test_lines_join_their_entry_within_its_transaction_even_across_savepoints(as_app):
    organization_id, cash, revenue = books()
    with as_app() as cursor:
        with transaction.atomic():  # a savepoint, released before the lines come
            entry_id = insert_entry(cursor, organization_id)
        insert_pair(cursor, entry_id, cash, revenue)
    assert JournalLine.objects.filter(entry_id=entry_id).count() == 2


@pytest.mark.parametrize(
    "change",
    ["type = 'income'", "currency = 'EUR'", "organization_id = 'someone-else'"],
)
def test_an_account_with_lines_keeps_its_organisation_type_and_currency(as_app, change):
    organization_id, cash, revenue = books()
    posted(organization_id, cash, revenue)
    with pytest.raises(IntegrityError, match="has lines: its organisation, type and currency"):
        with as_app() as cursor:
            cursor.execute(f"UPDATE ledger_account SET {change} WHERE id = %s", [cash.id])
    with as_app() as cursor:  # a name is no rule of the books; an unused account is free
        cursor.execute("UPDATE ledger_account SET name = 'Till' WHERE id = %s", [cash.id])
        spare = Account.objects.get(organization_id=organization_id, code=chart.PAYABLES)
        cursor.execute(f"UPDATE ledger_account SET {change} WHERE id = %s", [spare.id])


def test_a_line_is_in_its_account_currency(as_app):
    organization_id, cash, revenue = books()
    euros = Account.objects.create(organization_id=organization_id, code="1010", name="Euro cash",
                                   type="asset", currency="EUR")  # fmt: skip
    with pytest.raises(IntegrityError, match="is in USD but account 1010 holds EUR only"):
        with as_app() as cursor:
            insert_pair(cursor, insert_entry(cursor, organization_id), euros, revenue)
    with as_app() as cursor:
        insert_pair(cursor, insert_entry(cursor, organization_id, currency="EUR"), euros, revenue)


def test_a_reversal_reverses_an_entry_of_its_own_organisation(as_app):
    organization_id, cash, revenue = books()
    theirs = posted(*books())
    with pytest.raises(IntegrityError, match="not an entry of its organisation"):
        with as_app() as cursor:
            reversal = insert_entry(cursor, organization_id, reversal_of=str(theirs.id))
            insert_pair(cursor, reversal, cash, revenue)
    assert not JournalEntry.objects.filter(reversal_of=theirs).exists()


def test_no_entry_is_inserted_into_a_closed_period(as_app):
    from ledger.periods import period_lock_set

    organization_id, cash, revenue = books()
    period_lock_set(organization_id=organization_id, locked_through=datetime.date(2026, 1, 31),
                    locked_by="owner")  # fmt: skip
    with pytest.raises(IntegrityError, match="in a period closed through 2026-01-31"):
        with as_app() as cursor:
            insert_pair(cursor, insert_entry(cursor, organization_id), cash, revenue)  # 01-01
    assert not JournalEntry.objects.filter(organization_id=organization_id).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_periodlock SET locked_through = '2025-12-31'",
        "UPDATE ledger_periodlock SET organization_id = 'elsewhere'",
    ],
)
def test_a_closed_period_is_never_reopened(as_app, statement):
    from ledger.periods import period_lock_get, period_lock_set

    organization_id, _, _ = books()
    period_lock_set(organization_id=organization_id, locked_through=datetime.date(2026, 1, 31),
                    locked_by="owner")  # fmt: skip
    with pytest.raises(IntegrityError, match="is not reopened"):
        with as_app() as cursor:
            cursor.execute(statement)
    from django.db import ProgrammingError

    with pytest.raises(ProgrammingError, match="permission denied"):
        with as_app() as cursor:
            cursor.execute("DELETE FROM ledger_periodlock")
    assert period_lock_get(organization_id=organization_id) == datetime.date(2026, 1, 31)


def test_closing_a_period_waits_for_the_postings_in_flight():
    """A posting holds the lock row FOR SHARE until it commits: the close queues behind it."""
    from ledger.periods import period_lock_set

    organization_id, cash, revenue = books()
    period_lock_set(organization_id=organization_id, locked_through=datetime.date(2026, 1, 1),
                    locked_by="owner")  # fmt: skip
    posted_event, release, closed = threading.Event(), threading.Event(), threading.Event()

    def post_and_hold():
        try:
            with transaction.atomic():
                entry_post(
                    organization_id=organization_id, journal_type="general", currency="USD",
                    date=datetime.date(2026, 1, 20),
                    lines=[LineInput(cash.id, debit=Decimal(1)),
                           LineInput(revenue.id, credit=Decimal(1))],
                )  # fmt: skip
                posted_event.set()
                release.wait(30)
        finally:
            connections.close_all()

    def close():
        posted_event.wait(30)
        try:
            period_lock_set(organization_id=organization_id,
                            locked_through=datetime.date(2026, 1, 31), locked_by="owner")
            closed.set()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(post_and_hold), pool.submit(close)]
        try:
            waiting = _wait_for_a_lock_waiter("ledger_periodlock")
            assert waiting and not closed.is_set()
        finally:
            release.set()
        for future in futures:
            future.result()
    assert closed.is_set()
    assert JournalEntry.objects.filter(organization_id=organization_id).count() == 1


def _wait_for_a_lock_waiter(table: str, attempts: int = 300) -> bool:
    """Whether a backend comes to wait for a lock in a query on ``table`` (polled, ~30 s)."""
    import time

    for _ in range(attempts):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE %s AND pid <> pg_backend_pid()",
                [f"%{table}%"],
            )
            if cursor.fetchone():
                return True
        time.sleep(0.1)
    return False
