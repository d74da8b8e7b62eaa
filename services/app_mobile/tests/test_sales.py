"""Sales: recorded once per transaction id, published as transaction.created, settled by events."""

from __future__ import annotations

import uuid

import pytest
from sales.models import Sale

from tests.conftest import sale_body
from wanzo_common.api.testing import api_client
from wanzo_common.events.testing import assert_published
from wanzo_common.monitoring.testing import assert_metric_delta

pytestmark = pytest.mark.django_db


def test_a_sale_is_recorded_and_published_as_transaction_created(
    client, events_outbox, org_id, user_id
):
    body = sale_body()
    response = client.post("/api/sales/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "pending"
    assert response.json()["amount"] == "1500.5000"
    [event] = assert_published(
        "transaction.created",
        transactionId=body["transaction_id"],
        companyId=org_id,
        userId=user_id,
        amount="1500.5000",
        currency="CDF",
        transactionDate="2026-01-15T00:00:00Z",
    )
    # publish() validated it against the catalogue's schema; the decoded event is valid too.
    from wanzo_common.events import get_type

    get_type("transaction.created").validate(event.data)


def test_the_same_transaction_id_again_records_nothing_new(client, events_outbox):
    body = sale_body()
    assert client.post("/api/sales/", body, format="json").status_code == 201
    again = client.post("/api/sales/", body, format="json")
    assert again.status_code == 200
    assert Sale.objects.count() == 1
    assert_published("transaction.created", 1)


def test_another_organisation_cannot_reuse_a_transaction_id(client, other_client, events_outbox):
    body = sale_body()
    client.post("/api/sales/", body, format="json")
    response = other_client.post("/api/sales/", body, format="json")
    assert response.status_code == 400
    assert "transaction_id" in response.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "-3"),
        ("amount", "abc"),
        ("amount", "0"),
        ("currency", "ABC"),
        ("currency", "xof"),
        ("transaction_id", "not-a-uuid"),
        ("date", "2999-01-01"),
        ("category", ""),
    ],
)
def test_invalid_input_is_a_field_error(client, events_outbox, field, value):
    response = client.post("/api/sales/", sale_body(**{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert len(events_outbox.of_type("transaction.created")) == 0


def test_sales_are_scoped_to_the_organisation(client, other_client, events_outbox):
    body = sale_body()
    client.post("/api/sales/", body, format="json")
    assert client.get(f"/api/sales/{body['transaction_id']}/").status_code == 200
    assert other_client.get(f"/api/sales/{body['transaction_id']}/").status_code == 404
    assert other_client.get("/api/sales/").json()["count"] == 0
    assert client.get("/api/sales/").json()["count"] == 1


def test_a_user_without_an_organisation_cannot_record_sales():
    staff = api_client(role="INTERNAL_ADMIN")
    assert staff.post("/api/sales/", sale_body(), format="json").status_code == 403


def test_a_colleague_sees_the_organisation_sales(client, org_id, events_outbox):
    client.post("/api/sales/", sale_body(), format="json")
    colleague = api_client(role="SME_USER", organization_id=org_id)
    assert colleague.get("/api/sales/").json()["count"] == 1


def _completed(transaction_id: str, org_id: str) -> dict:
    return {
        "transactionId": transaction_id,
        "companyId": org_id,
        "amount": "1500.5000",
        "currency": "CDF",
        "completedAt": "2026-01-15T10:00:00Z",
    }


def test_completed_answer_settles_the_sale_and_notifies_its_user(
    client, org_id, user_id, deliver, push_outbox
):
    body = sale_body()
    client.post("/api/sales/", body, format="json")
    client.post("/api/devices/", {"platform": "android", "push_token": "tok-A"}, format="json")
    with assert_metric_delta(
        "push_notifications_sent_total", 1,
        notification_type="transaction", priority="normal", result="sent",
    ):  # fmt: skip
        deliver("transaction.completed", _completed(body["transaction_id"], org_id))
    sale = Sale.objects.get(transaction_id=body["transaction_id"])
    assert sale.status == "completed" and sale.settled_at is not None
    [message] = push_outbox
    assert message.notification_type == "transaction"
    listed = client.get("/api/notifications/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["data"]["transactionId"] == body["transaction_id"]
    assert listed["results"][0]["result"] == "sent"


def test_failed_answer_fails_the_sale_with_its_reason(client, org_id, deliver, push_outbox):
    body = sale_body()
    client.post("/api/sales/", body, format="json")
    data = {
        "transactionId": body["transaction_id"],
        "companyId": org_id,
        "amount": "1500.5000",
        "currency": "CDF",
        "reason": "no sales account",
    }
    with assert_metric_delta(
        "push_notifications_sent_total", 1,
        notification_type="transaction", priority="high", result="no_device",
    ):  # fmt: skip
        deliver("transaction.failed", data)
    sale = Sale.objects.get(transaction_id=body["transaction_id"])
    assert (sale.status, sale.failure_reason) == ("failed", "no sales account")
    assert push_outbox == []  # no device registered: listed in the app only
    assert client.get("/api/notifications/").json()["results"][0]["result"] == "no_device"


def test_a_second_answer_changes_nothing(client, org_id, deliver):
    body = sale_body()
    client.post("/api/sales/", body, format="json")
    deliver("transaction.completed", _completed(body["transaction_id"], org_id))
    deliver("transaction.failed", {**_completed(body["transaction_id"], org_id), "reason": "x"})
    assert Sale.objects.get(transaction_id=body["transaction_id"]).status == "completed"
    assert client.get("/api/notifications/").json()["count"] == 1


def test_answers_for_other_transactions_are_ignored(org_id, deliver):
    deliver("transaction.completed", _completed(str(uuid.uuid4()), org_id))
    deliver("transaction.completed", _completed("subscription-charge-42", org_id))
    assert Sale.objects.count() == 0


def _consume_batch(capture, answers: list[tuple[str, dict]]) -> list:
    """``answers`` as one consumer batch, in this order (as ``consume_events`` hands a poll to
    the dispatcher), with the pushes left for after the commit; returns the outcomes."""
    from wanzo_common.events.consumer import ConsumerEngine
    from wanzo_common.events.envelope import Event
    from wanzo_common.events.transports.mock import Transport

    engine = ConsumerEngine(transport=Transport(options={}), topics=["wanzo.transactions"])
    messages = [
        Event.create(type_name, data, source="accounting").to_message()
        for type_name, data in answers
    ]
    done: list = []
    with capture(execute=True):
        engine.dispatcher.handle(messages, done=done.extend)
    return [outcome.value for _, outcome in done]


def test_a_batch_of_answers_settles_each_sale_once_in_order(
    client, org_id, events_outbox, django_capture_on_commit_callbacks, push_outbox, caplog,
    monkeypatch,
):  # fmt: skip
    """Three runs (completed x4, failed x2, completed): each settled by one call."""
    from sales import handlers

    runs = []
    settle = handlers.sales_settle

    def counted(*, answers):
        runs.append(len(answers))
        return settle(answers=answers)

    monkeypatch.setattr(handlers, "sales_settle", counted)
    a, b, c = (sale_body() for _ in range(3))
    for body in (a, b, c):
        client.post("/api/sales/", body, format="json")
    client.post("/api/devices/", {"platform": "android", "push_token": "tok-A"}, format="json")
    failed = {"reason": "no sales account"}
    with assert_metric_delta(
        "push_notifications_sent_total", 2, notification_type="transaction", result="sent",
        priority="normal",
    ), assert_metric_delta(
        "push_notifications_sent_total", 1, notification_type="transaction", result="sent",
        priority="high",
    ):  # fmt: skip
        outcomes = _consume_batch(django_capture_on_commit_callbacks, [
            ("transaction.completed", _completed(a["transaction_id"], org_id)),
            ("transaction.completed", _completed("subscription-charge-42", org_id)),
            ("transaction.completed", _completed(b["transaction_id"], org_id)),
            ("transaction.completed", _completed(a["transaction_id"], org_id)),  # again: nothing
            ("transaction.failed", {**_completed(b["transaction_id"], org_id), **failed}),
            ("transaction.failed", {**_completed(c["transaction_id"], org_id), **failed}),
            ("transaction.completed", _completed(str(uuid.uuid4()), org_id)),  # not a sale
        ])  # fmt: skip

    assert outcomes == ["handled"] * 7 and runs == [4, 2, 1]
    sales = {str(sale.transaction_id): sale for sale in Sale.objects.all()}
    assert [(sales[body["transaction_id"]].status, sales[body["transaction_id"]].failure_reason)
            for body in (a, b, c)] == [("completed", ""), ("completed", ""),
                                       ("failed", "no sales account")]  # fmt: skip
    assert caplog.text.count("contradictory answer for settled sale") == 1  # b's failure
    listed = client.get("/api/notifications/").json()["results"]
    assert sorted(item["data"]["transactionId"] for item in listed) == sorted(
        body["transaction_id"] for body in (a, b, c)
    )
    assert {item["result"] for item in listed} == {"sent"} and len(push_outbox) == 3


def test_settling_a_batch_costs_the_same_statements_for_2_answers_as_for_6(
    client, org_id, events_outbox, django_capture_on_commit_callbacks
):
    """One locking read, one UPDATE, one devices read, one INSERT, one delivery: per run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.post("/api/devices/", {"platform": "android", "push_token": "tok-A"}, format="json")
    counts = []
    for n in (2, 6):
        bodies = [sale_body() for _ in range(n)]
        for body in bodies:
            client.post("/api/sales/", body, format="json")
        answers = [("transaction.completed", _completed(body["transaction_id"], org_id))
                   for body in bodies]  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            assert _consume_batch(django_capture_on_commit_callbacks, answers) == ["handled"] * n
        counts.append(len(captured.captured_queries))
        assert Sale.objects.filter(status="completed").count() >= n
    assert counts[0] == counts[1]
