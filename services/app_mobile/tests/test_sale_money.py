"""Money on the phone's way in: the ledger's amount limit, each currency's minor unit, no test
currencies, and one transaction id for one sale only (a different sale under it is a 422)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from sales.models import Sale

from tests.conftest import sale_body
from wanzo_common.money import amount_limit

pytestmark = pytest.mark.django_db


def test_the_largest_sale_the_serializer_takes_is_stored_exactly_or_refused(client, events_outbox):
    """On SQLite (floats, 15 digits) this sale made every later GET /api/sales/ a 500."""
    response = client.post("/api/sales/", sale_body(amount="9999999999999999.99"), format="json")
    exact = connection.vendor != "sqlite"
    assert response.status_code == (201 if exact else 400), response.content
    assert client.get("/api/sales/").status_code == 200
    assert Sale.objects.exists() == exact


def test_a_sale_at_the_ledger_limit_is_refused(client, events_outbox):
    limit = f"{amount_limit():f}"
    response = client.post("/api/sales/", sale_body(amount=limit), format="json")
    assert response.status_code == 400
    assert "amount" in response.json()


@pytest.mark.parametrize(
    ("amount", "currency", "accepted"),
    [
        ("1500", "XOF", True),
        ("1500.50", "XOF", False),  # the CFA franc has no minor unit
        ("99.5", "JPY", False),
        ("12.34", "USD", True),
        ("12.345", "USD", False),
        ("1.234", "KWD", True),
        ("1.2345", "KWD", False),
    ],
)
def test_amounts_respect_the_currency_minor_unit(client, events_outbox, amount, currency, accepted):
    response = client.post(
        "/api/sales/", sale_body(amount=amount, currency=currency), format="json"
    )
    assert response.status_code == (201 if accepted else 400), response.content
    if not accepted:
        assert "amount" in response.json()


@pytest.mark.parametrize("currency", ["XTS", "XXX", "XAU"])
def test_codes_that_are_not_money_are_refused(client, events_outbox, currency):
    response = client.post("/api/sales/", sale_body(amount="10", currency=currency), format="json")
    assert response.status_code == 400
    assert "currency" in response.json()


def test_a_transaction_id_reused_for_another_sale_is_a_422(client, events_outbox):
    body = sale_body()
    assert client.post("/api/sales/", body, format="json").status_code == 201
    same = client.post("/api/sales/", dict(body), format="json")
    assert same.status_code == 200
    changed = client.post("/api/sales/", {**body, "amount": "2000"}, format="json")
    assert changed.status_code == 422, changed.content
    assert changed.json()["code"] == "idempotency_key_reused"
    assert str(Sale.objects.get().amount) == "1500.5000"


def test_a_sync_operation_id_reused_for_another_operation_is_rejected(client, events_outbox):
    from sync.models import SyncRecord

    first = {
        "id": str(uuid.uuid4()), "data_type": "customer", "operation": "create",
        "payload": {"name": "Shop A"}, "client_timestamp": "2026-01-15T10:00:00Z",
    }  # fmt: skip
    answer = client.post("/api/sync/", {"items": [first]}, format="json").json()
    assert answer["results"][0]["status"] == "applied"
    again = client.post("/api/sync/", {"items": [dict(first)]}, format="json").json()
    assert again["results"][0]["status"] == "duplicate"
    other = {**first, "payload": {"name": "Shop B"}}
    reused = client.post("/api/sync/", {"items": [other]}, format="json").json()
    [result] = reused["results"]
    assert result["status"] == "rejected"
    assert "different operation" in result["errors"]["id"][0]
    assert result["record_id"] is None and result["server"] is None  # the first answer stays
    assert reused["summary"]["rejected"] == 1
    assert [r.payload["name"] for r in SyncRecord.objects.all()] == ["Shop A"]


def test_a_sale_synced_under_a_used_transaction_id_is_rejected(client, events_outbox):
    body = sale_body(amount="10")
    assert client.post("/api/sales/", body, format="json").status_code == 201
    operation = {
        "id": str(uuid.uuid4()), "data_type": "sale", "operation": "create",
        "payload": {**body, "amount": "11"},
    }  # fmt: skip
    [result] = client.post("/api/sync/", {"items": [operation]}, format="json").json()["results"]
    assert result["status"] == "rejected"
    assert "different sale" in result["errors"]["payload"]["transaction_id"][0]
    assert Sale.objects.get().amount == 10
