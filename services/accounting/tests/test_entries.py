"""Posting journal entries: the double-entry rules, refusals with their reasons, idempotency."""

from __future__ import annotations

import pytest
from ledger.models import JournalEntry, JournalLine

from wanzo_common.monitoring.testing import assert_metric_delta, metric_value

from .conftest import SALE, codes, entry, post

pytestmark = pytest.mark.django_db


def test_a_balanced_entry_is_posted(owner):
    with assert_metric_delta("journal_entries_created_total", 1, journal_type="general",
                             status="posted"):  # fmt: skip
        response = post(owner, *SALE, description="Cash sale")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["currency"], body["total"]) == ("posted", "USD", "100.0000")
    assert [(line["account_code"], line["debit"], line["credit"]) for line in body["lines"]] == [
        ("1000", "100.0000", "0.0000"),
        ("4000", "0.0000", "100.0000"),
    ]
    assert owner.get(f"/api/journal-entries/{body['id']}/").json() == body


def test_an_unbalanced_entry_is_refused_naming_the_difference(owner):
    with assert_metric_delta("journal_entries_created_total", 1, journal_type="general",
                             status="rejected"):  # fmt: skip
        response = post(owner, ("1000", "100.00", "0"), ("4000", "0", "90.00"))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The entry does not balance: debits 100.0000 and credits 90.0000 differ by "
        "10.0000 USD.",
        "code": "unbalanced",
        "difference": "10.0000",
    }
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ((("1000", "100", "0"),), "too_few_lines"),
        ((("1000", "100", "100"), ("4000", "0", "0")), "invalid_line"),
        ((("1000", "0", "0"), ("4000", "0", "0")), "invalid_line"),
    ],
)
def test_lines_need_one_side_each_and_two_of_them(owner, lines, code):
    response = post(owner, *lines)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_mixed_currencies_are_refused(owner):
    body = entry(owner, *SALE)
    body["lines"][1]["currency"] = "EUR"
    response = owner.post("/api/journal-entries/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "mixed_currencies"
    assert "EUR" in response.json()["detail"] and "USD" in response.json()["detail"]


def test_an_account_held_in_one_currency_refuses_another(owner):
    euro = owner.post(
        "/api/accounts/", {"code": "1010", "name": "Cash EUR", "type": "asset", "currency": "EUR"}
    ).json()
    body = entry(owner, *SALE)
    body["lines"][0]["account"] = euro["id"]
    response = owner.post("/api/journal-entries/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "mixed_currencies")
    body["currency"] = "EUR"
    assert owner.post("/api/journal-entries/", body, format="json").status_code == 201


def test_field_errors_are_400_with_the_field(owner):
    body = entry(owner, *SALE, currency="USD")
    body["currency"] = "ABC"
    body["lines"][0]["debit"] = "-5"
    response = owner.post("/api/journal-entries/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"currency", "lines"}


def test_another_organisations_account_is_unknown(owner, other_owner):
    body = entry(owner, *SALE)
    body["lines"][0]["account"] = codes(other_owner)["1000"]
    response = owner.post("/api/journal-entries/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "unknown_account")


def test_a_reference_posts_once(owner):
    first = post(owner, *SALE, reference="invoice-17")
    again = post(owner, *SALE, reference="invoice-17")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert JournalEntry.objects.count() == 1


def test_filters_by_journal_type_and_date(owner):
    post(owner, *SALE, date="2026-01-10")
    post(owner, *SALE, date="2026-02-10", journal_type="sales")

    def dates(query: str) -> list[str]:
        response = owner.get(f"/api/journal-entries/{query}")
        assert response.status_code == 200, response.content
        return [item["date"] for item in response.json()["results"]]

    assert dates("") == ["2026-02-10", "2026-01-10"]
    assert dates("?journal_type=sales") == ["2026-02-10"]
    assert dates("?date=2026-01-10") == ["2026-01-10"]
    assert dates("?date_from=2026-02-01&date_to=2026-02-28") == ["2026-02-10"]
    assert owner.get("/api/journal-entries/?date=yesterday").status_code == 400


def test_posting_moves_the_value_histogram_and_the_balance_gauge(owner, other_owner):
    post(other_owner, ("1000", "500", "0"), ("4000", "0", "500"), currency="CDF")
    with assert_metric_delta("transaction_value_count", 1, transaction_type="journal",
                             currency="CDF"), \
         assert_metric_delta("transaction_value_sum", 2500, transaction_type="journal",
                             currency="CDF"):  # fmt: skip
        post(owner, ("1000", "2500", "0"), ("4000", "0", "2500"), currency="CDF")
    # The gauge is set to the total over every organisation, in each type's own direction.
    assert metric_value("account_balance", account_type="asset", currency="CDF") == 3000
    assert metric_value("account_balance", account_type="income", currency="CDF") == 3000
