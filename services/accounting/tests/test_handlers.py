"""Events in: sales from the mobile app and subscription charges, booked once each."""

from __future__ import annotations

import datetime

import pytest
from ledger.models import JournalEntry

from wanzo_common.events import publish
from wanzo_common.events.testing import assert_published
from wanzo_common.monitoring.testing import assert_metric_delta

from .conftest import codes, new_id

pytestmark = pytest.mark.django_db


def sale(organization_id: str, transaction_id: str, amount: str = "1500.50", **extra) -> dict:
    return {
        "transactionId": transaction_id,
        "companyId": organization_id,
        "amount": amount,
        "currency": "CDF",
        "transactionDate": "2026-03-01T09:30:00Z",
        "userId": new_id(),
        "description": "2 bags of rice",
        **extra,
    }


def subscription(organization_id: str, **extra) -> dict:
    return {
        "subscriptionId": new_id(),
        "entityId": organization_id,
        "entityType": "sme",
        "plan": "basic",
        "status": "active",
        "amount": "20.00",
        "currency": "USD",
        "timestamp": "2026-03-01T00:00:00Z",
        **extra,
    }


def test_a_sale_is_booked_once_and_completed(org, owner, events_outbox):
    transaction_id = new_id()
    with assert_metric_delta("journal_entries_created_total", 1, journal_type="sales",
                             status="posted"), \
         assert_metric_delta("transaction_value_count", 1, transaction_type="sale",
                             currency="CDF"):  # fmt: skip
        publish("transaction.created", sale(org, transaction_id))
        publish("transaction.created", sale(org, transaction_id))  # the phone sent it again
        events_outbox.deliver()
        events_outbox.deliver()

    entry = JournalEntry.objects.get()
    assert (entry.organization_id, entry.journal_type, entry.source_reference) == (
        org,
        "sales",
        transaction_id,
    )
    assert str(entry.date) == "2026-03-01"
    ids = codes(owner)
    assert {(str(line.account_id), line.debit, line.credit) for line in entry.lines.all()} == {
        (ids["1000"], 1500.5, 0),
        (ids["4000"], 0, 1500.5),
    }
    [completed] = assert_published(
        "transaction.completed", transactionId=transaction_id, companyId=org,
        amount="1500.5000", currency="CDF",
    )  # fmt: skip
    assert completed.data["completedAt"].endswith("Z")
    assert_published("transaction.failed", 0)


@pytest.mark.parametrize(
    ("amount", "currency", "code", "reason"),
    [
        ("0", "CDF", "invalid_amount", "The amount must be greater than zero."),
        ("-12.5", "CDF", "invalid_amount", "The amount must be greater than zero."),
        ("1.123456", "CDF", "invalid_amount", "The amount has more than 4 decimal places."),
        ("10", "ABC", "invalid_currency", "'ABC' is not an ISO 4217 currency."),
    ],
)
def test_a_sale_that_cannot_be_booked_fails_with_its_reason(
    org, events_outbox, amount, currency, code, reason
):
    transaction_id = new_id()
    with assert_metric_delta("journal_entries_created_total", 1, journal_type="sales",
                             status="rejected"):  # fmt: skip
        publish("transaction.created", sale(org, transaction_id, amount, currency=currency))
        events_outbox.deliver()
    assert not JournalEntry.objects.exists()
    [failed] = assert_published("transaction.failed", transactionId=transaction_id, companyId=org)
    assert failed.data == {
        "transactionId": transaction_id, "companyId": org, "amount": amount,
        "currency": currency, "reason": reason, "errorCode": code,
        "timestamp": failed.data["timestamp"],
    }  # fmt: skip
    assert_published("transaction.completed", 0)


def test_a_subscription_charge_is_booked_once(org, owner, events_outbox):
    data = subscription(org)
    with assert_metric_delta("journal_entries_created_total", 1, journal_type="subscription",
                             status="posted"), \
         assert_metric_delta("transaction_value_sum", 20, transaction_type="subscription",
                             currency="USD"):  # fmt: skip
        publish("subscription.created", data)
        publish("subscription.created", data)  # redelivered under another event id
        events_outbox.deliver()
    entry = JournalEntry.objects.get()
    assert (entry.journal_type, entry.currency, entry.source_reference) == (
        "subscription",
        "USD",
        data["subscriptionId"],
    )
    ids = codes(owner)
    lines = {(str(line.account_id), line.debit, line.credit) for line in entry.lines.all()}
    assert lines == {(ids["6100"], 20, 0), (ids["2000"], 0, 20)}


def test_each_plan_change_with_a_price_is_a_charge(org, events_outbox):
    change = {
        "entityId": org, "entityType": "sme", "previousPlan": "basic", "newPlan": "premium",
        "status": "active", "subscriptionId": new_id(),
    }  # fmt: skip
    publish("subscription.changed", {**change, "amount": "99.00", "currency": "USD"})
    publish("subscription.changed", {**change, "amount": "49.00", "currency": "USD"})
    publish("subscription.changed", change)  # no price: nothing to book
    publish("subscription.created", subscription(org, plan="free", amount="0"))
    events_outbox.deliver()
    totals = sorted(e.lines.first().debit for e in JournalEntry.objects.all())
    assert totals == [49, 99]


def test_a_charge_in_an_unknown_currency_is_dead_lettered(org, events_outbox):
    publish("subscription.created", subscription(org, currency="ABC"))
    with assert_metric_delta("journal_entries_created_total", 1, journal_type="subscription",
                             status="rejected"):  # fmt: skip
        stats = events_outbox.deliver()
    assert stats["dead_lettered"] == 1
    assert not JournalEntry.objects.exists()


def test_a_run_of_sales_is_booked_at_once_each_with_its_answer(org, events_outbox):
    """One consumer batch: a new organisation's first sale, a duplicate, a reused transaction
    id, a bad amount and a sale in a closed period, each answered as if it came alone."""
    from ledger.periods import period_lock_set

    new_org, closed_org = new_id(), new_id()
    period_lock_set(organization_id=closed_org, locked_through=datetime.date(2026, 3, 31),
                    locked_by="owner")  # fmt: skip
    first, second, bad, reused, late = (new_id() for _ in range(5))
    sales = [
        sale(org, first),
        sale(new_org, second, "20"),
        sale(org, first),  # the phone sent it again, in the same batch
        sale(org, bad, "-1"),
        sale(org, first, "99"),  # another sale under a booked transaction id
        sale(closed_org, late),
    ]
    with assert_metric_delta("journal_entries_created_total", 2, journal_type="sales",
                             status="posted"), \
         assert_metric_delta("journal_entries_created_total", 3, journal_type="sales",
                             status="rejected"):  # fmt: skip
        for data in sales:
            publish("transaction.created", data)
        stats = events_outbox.deliver()
    assert stats["handled"] == len(sales)
    booked = {(e.organization_id, e.source_reference): e for e in JournalEntry.objects.all()}
    assert booked.keys() == {(org, first), (new_org, second)}
    assert booked[new_org, second].lines.get(debit__gt=0).account.code == "1000"
    assert_published("transaction.completed", 1, transactionId=first, amount="1500.5000")
    assert_published("transaction.completed", 1, transactionId=second, amount="20.0000")
    failures = {event.data["transactionId"]: event.data
                for event in assert_published("transaction.failed", 3)}  # fmt: skip
    assert failures[bad]["errorCode"] == "invalid_amount"
    assert failures[first]["errorCode"] == "idempotency_key_reused"
    assert str(booked[org, first].id) in failures[first]["reason"]
    assert failures[late] == {
        "transactionId": late, "companyId": closed_org, "amount": "1500.50", "currency": "CDF",
        "reason": "The books are closed through 2026-03-31: date the entry after it.",
        "errorCode": "period_closed", "timestamp": failures[late]["timestamp"],
    }  # fmt: skip
