"""Fixtures of the app_mobile suite: the push outbox, API clients, delivering events."""

from __future__ import annotations

import uuid

import pytest
from push.providers import locmem

from wanzo_common.api.testing import api_client


@pytest.fixture(autouse=True)
def _empty_push_outbox():
    """As Django empties ``mail.outbox``: every test starts with an empty push outbox."""
    locmem.reset()
    yield
    locmem.reset()


# What the push services' hosts resolve to in tests: no test resolves a name on the network.
FAKE_DNS = {
    "fcm.googleapis.com": ["142.250.74.234", "2a00:1450:4007:80e::200a"],
    "updates.push.services.mozilla.com": ["34.117.65.55"],
    "web.push.apple.com": ["17.188.166.12"],
    "wns2-par02p.notify.windows.com": ["20.199.120.182"],
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch) -> dict[str, list[str]]:
    """``push.endpoints.resolve_host`` answers from a table the test may change (rebinding)."""
    from push.endpoints import EndpointRefused

    table = {host: list(addresses) for host, addresses in FAKE_DNS.items()}

    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise EndpointRefused("the push service's host does not resolve")
        return table[host]

    monkeypatch.setattr("push.endpoints.resolve_host", resolve)
    return table


@pytest.fixture
def push_outbox() -> list:
    return locmem.outbox


@pytest.fixture
def org_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def user_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def client(user_id, org_id):
    """The phone's user: an SME owner of ``org_id``."""
    return api_client(user_id=user_id, role="SME_OWNER", organization_id=org_id)


@pytest.fixture
def other_client():
    """A user of another organisation."""
    return api_client(role="SME_OWNER", organization_id=str(uuid.uuid4()))


@pytest.fixture
def deliver(events_outbox, django_capture_on_commit_callbacks):
    """``deliver("transaction.completed", {...})``: publish as another service would, then run
    this service's handlers over it (and the pushes they leave for after the commit)."""

    def deliver_one(type_name: str, data: dict):
        from wanzo_common.events import publish

        with django_capture_on_commit_callbacks(execute=True):
            event = publish(type_name, data)
            events_outbox.deliver()
        return event

    return deliver_one


def sale_body(**overrides) -> dict:
    body = {
        "transaction_id": str(uuid.uuid4()),
        "amount": "1500.50",
        "currency": "CDF",
        "category": "retail",
        "description": "two bags of rice",
        "date": "2026-01-15",
    }
    body.update(overrides)
    return body
