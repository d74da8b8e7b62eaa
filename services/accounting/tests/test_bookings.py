"""Sales booked in bulk: a few statements whatever their number, the same answers as alone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ledger.bookings import Sale, sales_book
from ledger.models import JournalEntry
from ledger.services import chart_ensure_default

from wanzo_common.events.testing import assert_published

from .conftest import new_id

pytestmark = pytest.mark.django_db


def sales(organization_ids: list[str], count: int) -> list[Sale]:
    return [
        Sale(
            organization_id=organization_ids[number % len(organization_ids)],
            transaction_id=new_id(),
            amount=f"{number + 1}.25",
            currency="USD",
            transaction_date="2026-03-01T09:30:00Z",
        )
        for number in range(count)
    ]


def test_ten_sales_take_the_statements_of_two():
    organization_ids = [new_id(), new_id()]
    for organization_id in organization_ids:
        chart_ensure_default(organization_id=organization_id)
    with CaptureQueriesContext(connection) as two:
        sales_book(sales(organization_ids, 2))
    with CaptureQueriesContext(connection) as ten:
        entries = sales_book(sales(organization_ids, 10))
    assert len(ten.captured_queries) == len(two.captured_queries)
    assert JournalEntry.objects.filter(id__in=[entry.id for entry in entries]).count() == 10
    assert_published("transaction.completed", 12)


def test_each_sale_gets_its_entry_or_none_in_order():
    organization_id = new_id()
    good, refused, again = sales([organization_id], 3)
    refused = Sale(**{**refused.__dict__, "transaction_date": "yesterday"})
    again = Sale(**{**good.__dict__})
    first, none, same = sales_book([good, refused, again])
    assert none is None and same is first and first.journal_type == "sales"
    [failed] = assert_published("transaction.failed", transactionId=refused.transaction_id)
    assert failed.data["errorCode"] == "invalid_date"
    assert [line.debit for line in first.posted_lines if line.debit] == [1.25]
    # Booked again later: answered by the first booking, nothing written or published.
    [later] = sales_book([good])
    assert later == first and JournalEntry.objects.count() == 1
    assert_published("transaction.completed", 1)
