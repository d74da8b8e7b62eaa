"""Money entering the ledger: each currency's minor unit, no test currencies, exact balances."""

from __future__ import annotations

import pytest
from ledger.models import JournalEntry

from wanzo_common.events import publish
from wanzo_common.events.testing import assert_published

from .conftest import codes, new_id, post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "currency", "accepted"),
    [
        ("1500", "XOF", True),
        ("1500.00", "XOF", True),  # trailing zeros are no minor unit
        ("1500.5", "XOF", False),
        ("10.5", "JPY", False),
        ("10.25", "USD", True),
        ("10.255", "USD", False),
        ("1.125", "KWD", True),
        ("1.1255", "KWD", False),
    ],
)
def test_an_entry_respects_its_currency_minor_unit(owner, amount, currency, accepted):
    response = post(owner, ("1000", amount, "0"), ("4000", "0", amount), currency=currency)
    assert response.status_code == (201 if accepted else 400), response.content
    if not accepted:
        assert response.json()["code"] == "invalid_amount"
        assert currency in response.json()["detail"]


@pytest.mark.parametrize("currency", ["XTS", "XXX", "XAU", "XDR"])
def test_codes_that_are_not_money_are_refused(owner, currency):
    response = post(owner, ("1000", "10", "0"), ("4000", "0", "10"), currency=currency)
    assert response.status_code == 400
    assert "currency" in response.json()
    created = owner.post(
        "/api/accounts/",
        {"code": "1999", "name": "Gold", "type": "asset", "currency": currency},
        format="json",
    )
    assert created.status_code == 400 and "currency" in created.json()


def test_a_sale_event_with_a_minor_unit_its_currency_lacks_fails_with_the_reason(
    org, events_outbox
):
    transaction_id = new_id()
    publish("transaction.created", {
        "transactionId": transaction_id, "companyId": org, "amount": "1500.50",
        "currency": "XOF", "transactionDate": "2026-03-01T09:30:00Z", "userId": new_id(),
    })  # fmt: skip
    events_outbox.deliver()
    [failed] = assert_published("transaction.failed", transactionId=transaction_id)
    assert failed.data["errorCode"] == "invalid_amount"
    assert not JournalEntry.objects.exists()


def test_balances_are_exact_decimals_whatever_the_database(owner):
    """On SQLite a float SUM keeps 15 significant digits: 4999999999999.95 for .951 here."""
    big = "99999999999.999"
    many = [("1000", big, "0")] * 50 + [("4000", "0", big)] * 50
    assert post(owner, *many, currency="KWD").status_code == 201
    small = post(owner, ("1000", "0.001", "0"), ("4000", "0", "0.001"), currency="KWD")
    assert small.status_code == 201
    cash = codes(owner)["1000"]
    [kwd] = owner.get(f"/api/accounts/{cash}/balance/").json()["balances"]
    assert kwd["debit"] == kwd["balance"] == "4999999999999.9510"
    [section] = owner.get("/api/trial-balance/").json()["currencies"]
    assert section["total_debit"] == section["total_credit"] == "4999999999999.9510"
