"""Who may do what inside an organisation: clerks keep off the books other services write, and
nobody posts into a closed period."""

from __future__ import annotations

import pytest
from ledger.models import JournalEntry

from wanzo_common.api.testing import api_client
from wanzo_common.events import publish

from .conftest import SALE, new_id, post

pytestmark = pytest.mark.django_db

CLERKS = ["SME_USER", "INSTITUTION_USER"]


def member(role: str, org: str):
    return api_client(role=role, organization_id=org)


def booked_sale(org: str, events_outbox) -> JournalEntry:
    publish("transaction.created", {
        "transactionId": new_id(), "companyId": org, "amount": "12.50", "currency": "USD",
        "transactionDate": "2026-03-01T09:30:00Z", "userId": new_id(),
    })  # fmt: skip
    events_outbox.deliver()
    return JournalEntry.objects.get(organization_id=org, journal_type="sales")


@pytest.mark.parametrize("role", CLERKS)
@pytest.mark.parametrize("journal_type", ["sales", "subscription"])
def test_a_clerk_cannot_post_to_the_journals_other_services_write(org, role, journal_type):
    clerk = member(role, org)
    response = post(clerk, *SALE, journal_type=journal_type)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "journal_reserved"
    assert journal_type in response.json()["detail"]
    assert post(clerk, *SALE).status_code == 201  # the general journal is theirs


@pytest.mark.parametrize("role", ["SME_OWNER", "INSTITUTION_ADMIN"])
def test_an_owner_may_post_to_the_sales_journal(org, role):
    assert post(member(role, org), *SALE, journal_type="sales").status_code == 201


@pytest.mark.parametrize("role", CLERKS)
def test_a_clerk_cannot_reverse_an_entry_booked_from_an_event(org, owner, role, events_outbox):
    entry = booked_sale(org, events_outbox)
    clerk = member(role, org)
    response = clerk.post(f"/api/journal-entries/{entry.id}/reverse/", {}, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "reversal_reserved"
    assert not JournalEntry.objects.filter(reversal_of=entry).exists()
    # A clerk reverses their own general entry; the owner reverses the booked sale.
    own = post(clerk, *SALE).json()
    assert (
        clerk.post(f"/api/journal-entries/{own['id']}/reverse/", {}, format="json").status_code
        == 201
    )
    assert (
        owner.post(f"/api/journal-entries/{entry.id}/reverse/", {}, format="json").status_code
        == 201
    )


def test_an_owner_closes_periods_and_nobody_posts_into_them(org, owner):
    assert owner.get("/api/period-lock/").json() == {"locked_through": None}
    assert post(owner, *SALE, date="2026-01-31").status_code == 201
    closed = owner.put("/api/period-lock/", {"locked_through": "2026-01-31"}, format="json")
    assert closed.status_code == 200, closed.content
    assert closed.json()["locked_through"] == "2026-01-31"
    refused = post(owner, *SALE, date="2026-01-31")
    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "period_closed"
    assert "2026-01-31" in refused.json()["detail"]
    assert post(owner, *SALE, date="2026-02-01").status_code == 201
    assert member("SME_USER", org).get("/api/period-lock/").json()["locked_through"] == "2026-01-31"


def test_a_reversal_is_dated_in_an_open_period(org, owner):
    original = post(owner, *SALE, date="2026-01-10").json()
    owner.put("/api/period-lock/", {"locked_through": "2026-01-31"}, format="json")
    url = f"/api/journal-entries/{original['id']}/reverse/"
    refused = owner.post(url, {"date": "2026-01-20"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "period_closed"
    assert owner.post(url, {"date": "2026-02-02"}, format="json").status_code == 201


def test_a_sale_dated_in_a_closed_period_fails_with_the_reason(org, owner, events_outbox):
    from wanzo_common.events.testing import assert_published

    owner.put("/api/period-lock/", {"locked_through": "2026-03-31"}, format="json")
    transaction_id = new_id()
    publish("transaction.created", {
        "transactionId": transaction_id, "companyId": org, "amount": "12.50", "currency": "USD",
        "transactionDate": "2026-03-01T09:30:00Z", "userId": new_id(),
    })  # fmt: skip
    events_outbox.deliver()
    [failed] = assert_published("transaction.failed", transactionId=transaction_id)
    assert failed.data["errorCode"] == "period_closed"


@pytest.mark.parametrize("role", CLERKS)
def test_only_an_owner_closes_a_period(org, role):
    response = member(role, org).put(
        "/api/period-lock/", {"locked_through": "2026-01-31"}, format="json"
    )
    assert response.status_code == 403


def test_a_closed_period_is_not_reopened_and_the_future_is_not_closed(org, owner):
    owner.put("/api/period-lock/", {"locked_through": "2026-01-31"}, format="json")
    back = owner.put("/api/period-lock/", {"locked_through": "2025-12-31"}, format="json")
    assert back.status_code == 409 and back.json()["code"] == "period_reopen_refused"
    future = owner.put("/api/period-lock/", {"locked_through": "2999-01-01"}, format="json")
    assert future.status_code == 400 and "locked_through" in future.json()
    assert owner.get("/api/period-lock/").json()["locked_through"] == "2026-01-31"


def test_a_period_lock_is_the_organisation_own(org, owner, other_owner):
    owner.put("/api/period-lock/", {"locked_through": "2026-01-31"}, format="json")
    assert post(other_owner, *SALE, date="2026-01-15").status_code == 201
