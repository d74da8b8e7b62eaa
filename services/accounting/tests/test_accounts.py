"""The chart of accounts, organisation isolation, balances and the trial balance."""

from __future__ import annotations

import pytest
from ledger import chart

from wanzo_common.api.testing import api_client

from .conftest import SALE, codes, new_id, post

pytestmark = pytest.mark.django_db


def test_the_default_chart_is_created_on_first_need(owner):
    accounts = owner.get("/api/accounts/?page_size=200").json()["results"]
    assert {a["code"] for a in accounts} == {item.code for item in chart.DEFAULT_CHART}
    assert {a["type"] for a in accounts} == {"asset", "liability", "equity", "income", "expense"}
    assert owner.get("/api/accounts/?type=income").json()["count"] == 2


def test_the_owner_adds_accounts_with_unique_codes(owner, org):
    body = {"code": "1300", "name": "Mobile money", "type": "asset", "currency": "CDF"}
    created = owner.post("/api/accounts/", body)
    assert created.status_code == 201, created.content
    assert created.json()["currency"] == "CDF"
    duplicate = owner.post("/api/accounts/", {**body, "name": "Again"})
    assert duplicate.status_code == 400 and "code" in duplicate.json()
    clerk = api_client(role="SME_USER", organization_id=org)
    assert clerk.post("/api/accounts/", {**body, "code": "1400"}).status_code == 403
    assert clerk.get("/api/accounts/").status_code == 200


def test_invalid_accounts_are_field_errors(owner):
    response = owner.post("/api/accounts/", {"code": "", "name": "x", "type": "cash",
                                              "currency": "XYZ"})  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()) == {"code", "type", "currency"}


def test_another_organisations_books_are_not_found(owner, other_owner):
    theirs = post(other_owner, *SALE).json()
    their_cash = codes(other_owner)["1000"]
    for url in (
        f"/api/accounts/{their_cash}/",
        f"/api/accounts/{their_cash}/balance/",
        f"/api/journal-entries/{theirs['id']}/",
    ):
        assert owner.get(url).status_code == 404, url
    reverse = owner.post(f"/api/journal-entries/{theirs['id']}/reverse/", {}, format="json")
    assert reverse.status_code == 404
    assert owner.get("/api/journal-entries/").json()["count"] == 0
    assert their_cash not in codes(owner).values()


def test_a_user_without_an_organisation_is_refused():
    staff = api_client(role="INTERNAL_STAFF")
    assert staff.get("/api/accounts/").status_code == 403
    assert api_client(role="SME_OWNER").get("/api/trial-balance/").status_code == 403


def test_account_balance_per_currency(owner):
    post(owner, ("1000", "100", "0"), ("4000", "0", "100"))
    post(owner, ("1000", "30", "0"), ("4000", "0", "30"), currency="EUR")
    post(owner, ("6900", "40", "0"), ("1000", "0", "40"))
    cash = codes(owner)["1000"]
    body = owner.get(f"/api/accounts/{cash}/balance/").json()
    assert body["account"]["code"] == "1000"
    assert body["balances"] == [
        {"currency": "EUR", "debit": "30.0000", "credit": "0.0000", "balance": "30.0000"},
        {"currency": "USD", "debit": "100.0000", "credit": "40.0000", "balance": "60.0000"},
    ]
    revenue = owner.get(f"/api/accounts/{codes(owner)['4000']}/balance/").json()
    assert revenue["balances"][1]["balance"] == "100.0000"  # income grows with credits


def test_trial_balance_totals_are_equal(owner):
    post(owner, ("1000", "100", "0"), ("4000", "0", "100"), date="2026-01-05")
    post(owner, ("6100", "25.5", "0"), ("2000", "0", "25.5"), date="2026-01-06")
    post(owner, ("1000", "1000", "0"), ("3000", "0", "1000"), currency="CDF", date="2026-01-07")
    body = owner.get("/api/trial-balance/").json()
    assert [section["currency"] for section in body["currencies"]] == ["CDF", "USD"]
    usd = body["currencies"][1]
    assert (usd["total_debit"], usd["total_credit"], usd["balanced"]) == (
        "125.5000",
        "125.5000",
        True,
    )
    assert len(usd["accounts"]) == len(chart.DEFAULT_CHART)  # every account, idle ones at zero
    rows = {row["code"]: row for row in usd["accounts"]}
    assert (rows["2000"]["credit"], rows["2000"]["balance"]) == ("25.5000", "25.5000")
    assert rows["1200"]["debit"] == rows["1200"]["credit"] == "0.0000"

    early = owner.get("/api/trial-balance/?as_of=2026-01-05&currency=USD").json()
    assert early["as_of"] == "2026-01-05"
    assert [s["total_debit"] for s in early["currencies"]] == ["100.0000"]
    assert owner.get("/api/trial-balance/?currency=usd").status_code == 400


def test_a_balance_as_of_a_day_leaves_later_entries_out(owner):
    post(owner, ("1000", "100", "0"), ("4000", "0", "100"), date="2026-01-05")
    post(owner, ("1000", "7", "0"), ("4000", "0", "7"), date="2026-01-09")
    post(owner, ("6900", "3", "0"), ("2000", "0", "3"), date="2026-01-09")
    ids = codes(owner)
    cash = owner.get(f"/api/accounts/{ids['1000']}/balance/?as_of=2026-01-06").json()
    assert cash["balances"] == [
        {"currency": "USD", "debit": "100.0000", "credit": "0.0000", "balance": "100.0000"},
    ]
    # Used only after the day, never used: the account, with no balance.
    for code in ("6900", "1200"):
        body = owner.get(f"/api/accounts/{ids[code]}/balance/?as_of=2026-01-06").json()
        assert (body["account"]["code"], body["balances"]) == (code, [])
    assert owner.get(f"/api/accounts/{new_id()}/balance/").status_code == 404


def test_a_trial_balance_in_a_currency_never_used_is_all_zeros(owner):
    post(owner, *SALE)
    [section] = owner.get("/api/trial-balance/?currency=EUR").json()["currencies"]
    assert section["currency"] == "EUR" and section["total_debit"] == "0.0000"
    assert len(section["accounts"]) == len(chart.DEFAULT_CHART)
    early = owner.get("/api/trial-balance/?as_of=2020-01-01").json()
    assert early["currencies"] == []
