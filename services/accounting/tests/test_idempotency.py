"""An entry's reference is an idempotency key: the same entry again is the first one (200), a
different entry under it is a 422 and never the first entry's body."""

from __future__ import annotations

import pytest
from ledger.models import JournalEntry

from wanzo_common.events import publish
from wanzo_common.events.testing import assert_published

from .conftest import SALE, new_id, post

pytestmark = pytest.mark.django_db


def test_the_same_reference_with_the_same_entry_returns_the_first(owner):
    first = post(owner, *SALE, reference="inv-1")
    assert first.status_code == 201
    # The same amounts written differently are the same entry.
    again = post(owner, ("1000", "100", "0"), ("4000", "0", "100.0"), reference="inv-1")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    "change",
    [
        {"lines": (("1000", "90.00", "0"), ("4000", "0", "90.00"))},
        {"fields": {"description": "another invoice"}},
        {"fields": {"date": "2026-01-02"}},
        {"fields": {"currency": "EUR"}},
    ],
)
def test_the_same_reference_for_another_entry_is_a_422(owner, change):
    first = post(owner, *SALE, reference="inv-2", date="2026-01-01")
    assert first.status_code == 201
    fields = {"reference": "inv-2", "date": "2026-01-01", **change.get("fields", {})}
    reused = post(owner, *change.get("lines", SALE), **fields)
    assert reused.status_code == 422, reused.content
    body = reused.json()
    assert body["code"] == "idempotency_key_reused"
    assert "id" not in body and first.json()["id"] in body["detail"]
    assert JournalEntry.objects.count() == 1


def test_a_sale_event_replayed_with_another_amount_fails_and_books_nothing(org, events_outbox):
    transaction_id = new_id()
    sale = {
        "transactionId": transaction_id, "companyId": org, "amount": "12.50", "currency": "USD",
        "transactionDate": "2026-03-01T09:30:00Z", "userId": new_id(),
    }  # fmt: skip
    publish("transaction.created", sale)
    events_outbox.deliver()
    publish("transaction.created", {**sale, "amount": "99.00"})
    events_outbox.deliver()
    [failed] = assert_published("transaction.failed", transactionId=transaction_id)
    assert failed.data["errorCode"] == "idempotency_key_reused"
    assert [str(entry.lines.first().debit) for entry in JournalEntry.objects.all()] == ["12.5000"]
