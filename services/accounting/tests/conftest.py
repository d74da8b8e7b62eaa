"""Fixtures of the accounting tests: organisations, their users' clients, entry helpers."""

from __future__ import annotations

import uuid

import pytest

from wanzo_common.api.testing import api_client


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def org() -> str:
    return new_id()


@pytest.fixture
def owner(org):
    """An API client of the SME owner of ``org``."""
    return api_client(role="SME_OWNER", organization_id=org)


@pytest.fixture
def other_owner():
    return api_client(role="SME_OWNER", organization_id=new_id())


def codes(client) -> dict[str, str]:
    """The client's accounts, id by code (creating the default chart on first call)."""
    response = client.get("/api/accounts/?page_size=200")
    assert response.status_code == 200, response.content
    return {account["code"]: account["id"] for account in response.json()["results"]}


def entry(client, *lines: tuple[str, str, str], currency: str = "USD", **fields) -> dict:
    """The body of an entry: lines as (account code, debit, credit)."""
    ids = codes(client)
    return {
        "journal_type": "general",
        "currency": currency,
        "lines": [
            {"account": ids[code], "debit": debit, "credit": credit}
            for code, debit, credit in lines
        ],
        **fields,
    }


def post(client, *lines, **fields):
    return client.post("/api/journal-entries/", entry(client, *lines, **fields), format="json")


SALE = (("1000", "100.00", "0"), ("4000", "0", "100.00"))
