"""Platform configuration: typed sections, field errors, audit trail, metric."""

from __future__ import annotations

import pytest

from wanzo_common.api.testing import api_client
from wanzo_common.monitoring.testing import assert_metric_delta

from .conftest import ADMIN_ID

pytestmark = pytest.mark.django_db


def test_every_section_has_its_defaults(staff):
    response = staff.get("/api/configuration/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"security", "notifications", "billing", "maintenance"}
    assert body["security"]["max_login_attempts"] == 5
    assert body["billing"]["default_currency"] == "USD"
    assert staff.get("/api/configuration/notifications/").json()["push_enabled"] is True


def test_patch_stores_audits_and_counts(admin):
    with assert_metric_delta("configuration_changes_total", 1, section="security"):
        response = admin.patch(
            "/api/configuration/security/", {"max_login_attempts": 8}, format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["max_login_attempts"] == 8
    assert response.json()["lockout_minutes"] == 15  # untouched
    assert admin.get("/api/configuration/").json()["security"]["max_login_attempts"] == 8

    trail = admin.get("/api/configuration/changes/?section=security").json()["results"]
    assert len(trail) == 1
    assert trail[0]["changed_by"] == ADMIN_ID
    assert trail[0]["old_values"] == {"max_login_attempts": 5}
    assert trail[0]["new_values"] == {"max_login_attempts": 8}
    assert trail[0]["changed_at"]


def test_a_patch_that_changes_nothing_is_not_a_change(admin):
    with assert_metric_delta("configuration_changes_total", 0, section="notifications"):
        response = admin.patch(
            "/api/configuration/notifications/", {"push_enabled": True}, format="json"
        )
    assert response.status_code == 200
    assert admin.get("/api/configuration/changes/").json()["count"] == 0


@pytest.mark.parametrize(
    ("section", "body", "field"),
    [
        ("security", {"max_login_attempts": 0}, "max_login_attempts"),
        ("security", {"max_login_attempts": 21}, "max_login_attempts"),
        ("security", {"lockout_minutes": "soon"}, "lockout_minutes"),
        ("notifications", {"push_enabled": "perhaps"}, "push_enabled"),
        ("billing", {"default_currency": "XYZ"}, "default_currency"),
        ("billing", {"default_currency": "usd"}, "default_currency"),
        ("maintenance", {"maintenance_mode": True}, "banner_message"),
        ("security", {"max_login_atempts": 3}, "max_login_atempts"),
    ],
)
def test_invalid_values_are_field_errors(admin, section, body, field):
    with assert_metric_delta("configuration_changes_total", 0, section=section):
        response = admin.patch(f"/api/configuration/{section}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert admin.get("/api/configuration/changes/").json()["count"] == 0


def test_rules_across_fields_hold_whatever_is_patched(admin):
    admin.patch(
        "/api/configuration/maintenance/",
        {"maintenance_mode": True, "banner_message": "Back at noon"},
        format="json",
    )
    response = admin.patch("/api/configuration/maintenance/", {"banner_message": ""}, format="json")
    assert response.status_code == 400
    assert "banner_message" in response.json()


def test_staff_read_but_do_not_change(staff):
    assert staff.get("/api/configuration/security/").status_code == 200
    assert staff.get("/api/configuration/changes/").status_code == 200
    response = staff.patch("/api/configuration/security/", {"lockout_minutes": 5}, format="json")
    assert response.status_code == 403


def test_organisation_users_are_refused():
    client = api_client(role="SME_OWNER", organization_id="org-1")
    assert client.get("/api/configuration/").status_code == 403
    assert client.get("/api/configuration/security/").status_code == 403
    assert client.get("/api/configuration/changes/").status_code == 403
    assert client.patch("/api/configuration/security/", {}, format="json").status_code == 403
