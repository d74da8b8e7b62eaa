"""Entries are never edited: a reversal entry undoes one, once only."""

from __future__ import annotations

import pytest

from wanzo_common.monitoring.testing import assert_metric_delta

from .conftest import SALE, post

pytestmark = pytest.mark.django_db


def test_a_reversal_swaps_debits_and_credits_and_brings_balances_back(owner):
    original = post(owner, *SALE).json()
    with assert_metric_delta("journal_entries_created_total", 1, journal_type="reversal",
                             status="posted"):  # fmt: skip
        response = owner.post(f"/api/journal-entries/{original['id']}/reverse/", {}, format="json")
    assert response.status_code == 201, response.content
    reversal = response.json()
    assert (reversal["journal_type"], reversal["reversal_of"]) == ("reversal", original["id"])
    assert [
        (line["account_code"], line["debit"], line["credit"]) for line in reversal["lines"]
    ] == [
        ("1000", "0.0000", "100.0000"),
        ("4000", "100.0000", "0.0000"),
    ]
    assert (
        owner.get(f"/api/journal-entries/{original['id']}/").json()["reversed_by"] == reversal["id"]
    )
    cash = owner.get(f"/api/accounts/{original['lines'][0]['account']}/balance/").json()
    assert cash["balances"] == [
        {"currency": "USD", "debit": "100.0000", "credit": "100.0000", "balance": "0.0000"}
    ]


def test_an_entry_is_reversed_once_only(owner):
    original = post(owner, *SALE).json()
    url = f"/api/journal-entries/{original['id']}/reverse/"
    first = owner.post(url, {"description": "Typo"}, format="json")
    second = owner.post(url, {}, format="json")
    assert second.status_code == 409
    assert second.json()["code"] == "already_reversed"
    assert second.json()["reversed_by"] == first.json()["id"]


def test_a_reversal_is_not_reversed(owner):
    original = post(owner, *SALE).json()
    reversal = owner.post(f"/api/journal-entries/{original['id']}/reverse/", {}, format="json")
    response = owner.post(
        f"/api/journal-entries/{reversal.json()['id']}/reverse/", {}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "cannot_reverse_reversal")


def test_there_is_no_way_to_edit_or_delete_an_entry(owner):
    url = f"/api/journal-entries/{post(owner, *SALE).json()['id']}/"
    for method in (owner.put, owner.patch, owner.delete):
        assert method(url, {}, format="json").status_code == 405
