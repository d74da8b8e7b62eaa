"""Offline sync: each operation applied once, conflicts answered with the server's state."""

from __future__ import annotations

import uuid

import pytest
from sales.models import Sale
from sync.models import SyncOperation, SyncRecord
from sync.serializers import SyncBatchResultSerializer, SyncResultSerializer

from tests.conftest import sale_body
from wanzo_common.events.testing import assert_published
from wanzo_common.monitoring.testing import assert_metric_delta

pytestmark = pytest.mark.django_db


def item(data_type: str, operation: str = "create", payload: dict | None = None, **extra) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "data_type": data_type,
        "operation": operation,
        "payload": payload or {},
        "client_timestamp": "2026-01-15T10:00:00Z",
        **extra,
    }


def customer(name: str = "Shop A", **extra) -> dict:
    return item("customer", payload={"name": name, "email": "owner@example.com"}, **extra)


def sync(client, *items):
    response = client.post("/api/sync/", {"items": list(items)}, format="json")
    assert response.status_code == 200, response.json()
    answer = response.json()
    # The view sends the service's plain answer: it must be exactly the documented shape.
    assert answer == SyncBatchResultSerializer(answer).data
    fields = list(SyncResultSerializer().fields)
    assert all(list(result) == fields for result in answer["results"])
    return answer


def snapshot() -> list:
    return sorted(SyncRecord.objects.values_list("record_id", "version", "deleted", "payload"))


def test_the_same_batch_twice_changes_nothing_the_second_time(client, events_outbox):
    record_id = str(uuid.uuid4())
    batch = [
        customer(record_id=record_id),
        item("product", payload={"name": "Rice", "price": "12.50", "currency": "USD"}),
        item("sale", payload=sale_body()),
        item("expense", payload={"amount": "-1", "currency": "XOF", "category": "x"}),  # rejected
    ]
    first = sync(client, *batch)
    assert [r["status"] for r in first["results"]] == ["applied", "applied", "applied", "rejected"]
    before = (snapshot(), Sale.objects.count(), SyncOperation.objects.count())

    second = sync(client, *batch)

    assert [r["status"] for r in second["results"]] == ["duplicate"] * 4
    assert [r["original_status"] for r in second["results"]] == [
        "applied", "applied", "applied", "rejected",
    ]  # fmt: skip
    assert second["summary"] == {"applied": 0, "duplicate": 4, "conflict": 0, "rejected": 0}
    assert (snapshot(), Sale.objects.count(), SyncOperation.objects.count()) == before
    assert_published("transaction.created", 1)


def test_a_sale_in_a_batch_goes_through_the_sale_service(client, org_id, events_outbox):
    body = sale_body()
    result = sync(client, item("sale", payload=body))["results"][0]
    assert (result["status"], result["record_id"]) == ("applied", body["transaction_id"])
    assert_published("transaction.created", transactionId=body["transaction_id"], companyId=org_id)
    # The same sale already posted through the API: a duplicate, published once.
    again = sync(client, item("sale", payload=body))["results"][0]
    assert again["status"] == "duplicate"
    assert_published("transaction.created", 1)


def test_update_of_a_stale_version_is_a_conflict_with_the_server_state(client):
    record_id = str(uuid.uuid4())
    sync(client, customer(record_id=record_id))
    phone_a = item("customer", "update", {"name": "Shop B"}, record_id=record_id, version=1)
    phone_b = item("customer", "update", {"name": "Shop C"}, record_id=record_id, version=1)
    results = sync(client, phone_a, phone_b)["results"]
    assert [r["status"] for r in results] == ["applied", "conflict"]
    assert results[0]["version"] == 2
    assert results[1]["server"]["version"] == 2
    assert results[1]["server"]["payload"]["name"] == "Shop B"
    assert SyncRecord.objects.get(record_id=record_id).payload["name"] == "Shop B"


def test_delete_then_a_stale_update_is_a_conflict(client):
    record_id = str(uuid.uuid4())
    sync(client, customer(record_id=record_id))
    results = sync(
        client,
        item("customer", "delete", record_id=record_id, version=1),
        item("customer", "update", {"name": "late"}, record_id=record_id, version=1),
        item("customer", "delete", record_id=record_id, version=1),
    )["results"]
    assert [r["status"] for r in results] == ["applied", "conflict", "duplicate"]
    assert results[1]["server"]["deleted"] is True


def test_creating_an_existing_record_is_a_conflict(client):
    record_id = str(uuid.uuid4())
    sync(client, customer(record_id=record_id))
    result = sync(client, customer("Other", record_id=record_id))["results"][0]
    assert result["status"] == "conflict"
    assert result["server"]["payload"]["name"] == "Shop A"


def test_rejected_items_carry_field_errors_and_do_not_block_the_batch(client):
    results = sync(
        client,
        item("product", payload={"name": "Rice", "price": "abc", "currency": "EURO"}),
        item("invoice"),
        {"id": "not-a-uuid", "data_type": "customer", "operation": "create"},
        item("customer", "update", {"name": "x"}),  # no record_id / version
        item("customer", "update", {"name": "x"}, record_id=str(uuid.uuid4()), version=1),
        item("sale", "delete", record_id=str(uuid.uuid4()), version=1),
        customer(),
    )["results"]
    assert [r["status"] for r in results] == ["rejected"] * 6 + ["applied"]
    assert set(results[0]["errors"]["payload"]) == {"price", "currency"}
    assert "data_type" in results[1]["errors"]
    assert results[1]["data_type"] is None
    assert "id" in results[2]["errors"] and results[2]["id"] is None
    assert set(results[3]["errors"]) == {"record_id", "version"}
    assert "record_id" in results[4]["errors"]
    assert "operation" in results[5]["errors"]


def test_an_invalid_update_leaves_the_record_alone(client):
    record_id = str(uuid.uuid4())
    sync(client, item("product", payload={"name": "Rice", "price": "1", "currency": "XOF"},
                      record_id=record_id))  # fmt: skip
    result = sync(
        client, item("product", "update", {"price": "-5"}, record_id=record_id, version=1)
    )["results"][0]
    assert result["status"] == "rejected" and "price" in result["errors"]["payload"]
    assert SyncRecord.objects.get(record_id=record_id).version == 1


def test_organisations_are_isolated(client, other_client):
    record_id = str(uuid.uuid4())
    shared_op = customer(record_id=record_id)
    sync(client, shared_op)
    # Another organisation: its own namespace of operation ids and records.
    assert sync(other_client, shared_op)["results"][0]["status"] == "applied"
    update = item("customer", "update", {"name": "hijack"}, record_id=str(uuid.uuid4()), version=1)
    assert sync(other_client, update)["results"][0]["status"] == "rejected"
    assert client.get("/api/sync/records/").json()["count"] == 1
    assert other_client.get("/api/sync/records/").json()["count"] == 1
    assert SyncRecord.objects.filter(payload__name="hijack").count() == 0


def test_each_item_moves_sync_operations_total(client):
    record_id = str(uuid.uuid4())
    sync(client, customer(record_id=record_id))
    stale = item("customer", "update", {"name": "x"}, record_id=record_id, version=7)
    with (
        assert_metric_delta("sync_operations_total", 1, sync_type="batch", status="applied",
                            data_type="customer"),
        assert_metric_delta("sync_operations_total", 1, sync_type="batch", status="conflict",
                            data_type="customer"),
        assert_metric_delta("sync_operations_total", 1, sync_type="batch", status="rejected",
                            data_type="unknown"),
    ):  # fmt: skip
        sync(client, customer(), stale, item("invoice"))
    op = customer()
    sync(client, op)
    with assert_metric_delta(
        "sync_operations_total", 1, sync_type="batch", status="duplicate", data_type="customer"
    ):
        sync(client, op)


@pytest.mark.parametrize(
    "body",
    [{}, {"items": []}, {"items": "x"}, {"items": [1, 2]}, {"items": [{}] * 501}],
)
def test_a_malformed_batch_is_a_400(client, body):
    assert client.post("/api/sync/", body, format="json").status_code == 400


def test_no_personal_data_in_the_logs(client, caplog):
    caplog.set_level("DEBUG")
    sync(client, customer(), item("sale", payload=sale_body()))
    assert "owner@example.com" not in caplog.text


def test_input_quoted_in_errors_is_stored_safely(client):
    """DRF quotes a bad choice in its message: a NUL byte must not reach jsonb (PostgreSQL)."""
    bad = item("customer")
    bad["data_type"] = "cust\x00omer" + "x" * 5000
    results = sync(client, bad, bad)["results"]
    assert [r["status"] for r in results] == ["rejected", "duplicate"]
    assert "\x00" not in str(results[0]["errors"])
    assert len(str(results[0]["errors"])) < 1000


# -- races: two requests on the same ids at once (PostgreSQL: real row locks) ----------------


def _require_postgres() -> None:
    import os

    from django.db import connection

    if connection.vendor != "postgresql":
        if os.environ.get("WANZO_REQUIRE_POSTGRES") == "1":
            pytest.fail("WANZO_REQUIRE_POSTGRES=1 but the database is not PostgreSQL")
        pytest.skip("needs PostgreSQL's row locks")


def _sync_while_another_transaction_holds(client, row_maker, *items) -> dict:
    """Post a batch while another transaction has written (uncommitted) a row it collides with.

    The batch's request runs in a thread; this transaction commits once that request waits
    for it (PostgreSQL reports the wait), so the batch meets the row only on its INSERT.
    """
    import threading
    import time

    from django.db import connection, connections, transaction

    answer: dict = {}

    def post() -> None:
        try:
            answer["response"] = client.post("/api/sync/", {"items": list(items)}, format="json")
        finally:
            connections.close_all()

    with transaction.atomic():
        row_maker()
        thread = threading.Thread(target=post)
        thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh within a transaction
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.01)
        else:
            pytest.fail("the batch never waited for the other transaction")
    thread.join(30)
    response = answer["response"]
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db(transaction=True)
def test_a_record_created_concurrently_makes_the_create_a_conflict(client, org_id, user_id):
    _require_postgres()
    record_id = uuid.uuid4()
    theirs = {"name": "Created elsewhere"}

    def create_elsewhere() -> None:
        SyncRecord.objects.create(
            organization_id=org_id, data_type="customer", record_id=record_id,
            payload=theirs, created_by=user_id, updated_by=user_id,
        )  # fmt: skip

    mine = customer("Created here", record_id=str(record_id))
    also = item("product", payload={"name": "Rice", "price": "2.00", "currency": "USD"})
    body = _sync_while_another_transaction_holds(client, create_elsewhere, mine, also)
    first, second = body["results"]
    assert first["status"] == "conflict"
    assert first["server"]["payload"] == theirs
    assert second["status"] == "applied"
    assert SyncRecord.objects.get(record_id=record_id).payload == theirs
    assert SyncOperation.objects.filter(organization_id=org_id).count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_operation_processed_concurrently_is_a_duplicate(client, org_id, user_id):
    _require_postgres()
    mine = customer("Shop B")
    stored = {"status": "applied", "record_id": str(uuid.uuid4()), "version": 1,
              "errors": {}, "server": None}  # fmt: skip

    def process_elsewhere() -> None:
        SyncOperation.objects.create(
            organization_id=org_id, client_id=mine["id"], user_id=user_id,
            data_type="customer", operation="create", status="applied", result=stored,
        )  # fmt: skip

    body = _sync_while_another_transaction_holds(client, process_elsewhere, mine)
    (result,) = body["results"]
    assert result["status"] == "duplicate"
    assert result["original_status"] == "applied"
    assert result["record_id"] == stored["record_id"]
    assert not SyncRecord.objects.filter(organization_id=org_id).exists()


def test_each_item_is_validated_on_its_own_as_a_fresh_serializer_would(client, events_outbox):
    """One serializer per kind serves the whole batch (sync.validation): an item's errors or
    data never leak into the next item's answer; each answer is what a new serializer gives."""
    from sales.serializers import SaleCreateSerializer
    from sync.payloads import ProductPayload
    from sync.results import plain_errors
    from sync.serializers import SyncItemSerializer

    bad_price = {"name": "Rice", "price": "-1", "currency": "USD"}
    bad_currency = {"name": "Oil", "price": "2.50", "currency": "XTS", "stock": -3}
    good = {"name": "Salt", "price": "1.25", "currency": "USD"}
    bad_sale = sale_body(amount="12.345", currency="USD", date="2999-01-01")
    items = [
        item("product", payload=bad_price),
        item("product", payload=good),
        item("product", payload=bad_currency),
        item("product", operation="update", payload=good),  # no record_id, no version
        item("product", payload=good),
        item("sale", payload=bad_sale),
        item("sale", payload=sale_body()),
        item("sale", payload={"amount": "1"}),
    ]
    results = sync(client, *items)["results"]

    def payload_errors(serializer_class, payload):
        serializer = serializer_class(data=payload)
        return {} if serializer.is_valid() else {"payload": plain_errors(serializer.errors)}

    def item_errors(raw):
        serializer = SyncItemSerializer(data=raw)
        return {} if serializer.is_valid() else plain_errors(serializer.errors)

    assert [result["status"] for result in results] == [
        "rejected", "applied", "rejected", "rejected", "applied", "rejected", "applied", "rejected"
    ]  # fmt: skip
    for index in (0, 1, 2, 4):
        assert results[index]["errors"] == payload_errors(ProductPayload, items[index]["payload"])
    for index in (5, 6, 7):
        assert results[index]["errors"] == payload_errors(
            SaleCreateSerializer, items[index]["payload"]
        )
    assert results[3]["errors"] == item_errors(items[3]) != {}
    stored = SyncRecord.objects.filter(
        record_id__in=[results[1]["record_id"], results[4]["record_id"]]
    )
    assert [record.payload for record in stored] == [
        {"name": "Salt", "price": "1.2500", "currency": "USD"}
    ] * 2
