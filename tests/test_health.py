"""``/healthz`` and ``/readyz`` (wanzo_common/health.py)."""

import pytest
from django.test import Client

from wanzo_common import health

pytestmark = pytest.mark.django_db


def test_readyz_says_which_events_transport_is_in_use(settings):
    settings.WANZO_EVENTS = {"TRANSPORT": "mock", "ALLOW_MOCK": True}
    body = Client().get("/readyz").json()
    assert body["transport"] == "mock"
    assert body["checks"] == {"database": "ok"}
    assert body["dependencies"] == {"events_broker": "ok"}


def test_readyz_stays_ready_and_reports_the_broker_down(mock_transport):
    mock_transport.set_available(False)
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["transport"] == "mock"
    assert response.json()["checks"] == {"database": "ok"}
    assert response.json()["dependencies"]["events_broker"] == "unavailable"


def test_readyz_fails_without_the_database(monkeypatch):
    def broken() -> None:
        raise ConnectionError("database down")

    monkeypatch.setattr(health, "_check_database", broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unavailable"}


def test_readyz_names_a_dotted_path_as_configured(settings):
    path = "wanzo_common.events.transports.mock.Transport"
    settings.WANZO_EVENTS = {"TRANSPORT": path, "ALLOW_MOCK": True}
    assert Client().get("/readyz").json()["transport"] == path


def test_details_are_added_by_other_apps(monkeypatch):
    monkeypatch.setitem(health.READINESS_DETAILS, "region", lambda: "eu-1")
    assert Client().get("/readyz").json()["region"] == "eu-1"


def test_healthz_needs_nothing():
    assert Client().get("/healthz").json() == {"status": "ok"}
