"""Maintenance announcements: validated windows, announced with an event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from wanzo_common.api.testing import api_client
from wanzo_common.events.testing import assert_published

from .conftest import ADMIN_ID

pytestmark = pytest.mark.django_db


def window(hours_from_now: int = 24, length: int = 2, service: str = "accounting") -> dict:
    starts = timezone.now() + timedelta(hours=hours_from_now)
    return {
        "service": service,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=length)).isoformat(),
        "description": "Database upgrade",
    }


def test_admin_schedules_a_window_and_it_is_announced(admin, events_outbox):
    response = admin.post("/api/maintenance-windows/", window(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scheduled_by"] == ADMIN_ID
    [event] = assert_published(
        "system.maintenance_scheduled",
        service="accounting",
        maintenanceId=body["id"],
        scheduledBy=ADMIN_ID,
        description="Database upgrade",
    )
    assert event.data["startsAt"].endswith("Z") and event.data["endsAt"].endswith("Z")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": None}, "ends_at"),
        ({"service": "payroll"}, "service"),
        ({"starts_at": "tomorrow"}, "starts_at"),
    ],
)
def test_invalid_windows_are_field_errors(admin, events_outbox, changes, field):
    response = admin.post("/api/maintenance-windows/", {**window(), **changes}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert events_outbox.of_type("system.maintenance_scheduled") == []


def test_a_window_ends_after_it_starts_and_in_the_future(admin, events_outbox):
    backwards = window(length=-2)
    assert admin.post("/api/maintenance-windows/", backwards, format="json").status_code == 400
    past = window(hours_from_now=-10)
    response = admin.post("/api/maintenance-windows/", past, format="json")
    assert response.status_code == 400
    assert "ends_at" in response.json()
    assert events_outbox.of_type("system.maintenance_scheduled") == []


def test_everyone_reads_windows_only_admins_schedule_them(admin, staff):
    admin.post("/api/maintenance-windows/", window(service="all"), format="json")
    owner = api_client(role="SME_OWNER", organization_id="org-1")
    listed = owner.get("/api/maintenance-windows/?upcoming=true")
    assert listed.status_code == 200
    assert [w["service"] for w in listed.json()["results"]] == ["all"]
    assert owner.post("/api/maintenance-windows/", window(), format="json").status_code == 403
    assert staff.post("/api/maintenance-windows/", window(), format="json").status_code == 403
