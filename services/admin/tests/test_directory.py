"""The directory: user.created recorded idempotently; admins' user operations."""

from __future__ import annotations

import pytest
from directory.models import Organization, UserRecord

from wanzo_common.api.testing import api_client
from wanzo_common.events import publish
from wanzo_common.events.testing import assert_published
from wanzo_common.monitoring.testing import assert_metric_delta

from .conftest import ADMIN_ID, new_id, register

pytestmark = pytest.mark.django_db


def user_created(user_id: str, organization_id: str) -> dict:
    return {
        "userId": user_id,
        "email": "owner@example.com",
        "userType": "SME_OWNER",
        "firstName": "Amani",
        "lastName": "Mbuyi",
        "organization": {"id": organization_id, "name": "Kin Shop", "initialPlan": "free"},
        "timestamp": "2026-01-01T00:00:00Z",
    }


def test_user_created_is_recorded_once_whatever_the_deliveries(events_outbox):
    user_id, organization_id = new_id(), new_id()
    publish("user.created", user_created(user_id, organization_id))
    publish("user.created", user_created(user_id, organization_id))  # another event, same user
    events_outbox.deliver()
    events_outbox.deliver()  # the same events again: the inbox skips them

    record = UserRecord.objects.get(user_id=user_id)
    assert (record.role, record.status, record.organization_id) == (
        "SME_OWNER",
        "active",
        organization_id,
    )
    assert Organization.objects.get(id=organization_id).initial_plan == "free"
    assert UserRecord.objects.count() == 1


def test_a_replayed_user_created_does_not_bring_a_deleted_user_back(admin, events_outbox):
    user = register()
    admin.delete(f"/api/users/{user.user_id}/")
    publish("user.created", user_created(user.user_id, user.organization_id))
    events_outbox.deliver()
    assert admin.get(f"/api/users/{user.user_id}/").status_code == 404


def test_admin_lists_and_filters_users(admin):
    owner = register(role="SME_OWNER")
    register(role="SME_USER", organization_id=owner.organization_id)
    other = register(role="SME_USER")
    register(role="INTERNAL_STAFF")

    def ids(query: str) -> set[str]:
        response = admin.get(f"/api/users/{query}")
        assert response.status_code == 200, response.content
        return {row["user_id"] for row in response.json()["results"]}

    assert len(ids("")) == 4
    assert ids(f"?organization={owner.organization_id}&role=SME_OWNER") == {owner.user_id}
    assert other.user_id in ids("?role=SME_USER&status=active")
    assert ids("?status=inactive") == set()
    assert admin.get("/api/users/?role=KING").status_code == 400
    assert admin.get("/api/users/?organization=a%20b").status_code == 400


def test_deactivate_publishes_and_counts(admin, events_outbox):
    user = register(role="SME_USER")
    with assert_metric_delta(
        "user_management_operations_total",
        1,
        operation="deactivate",
        user_type="sme_user",
        status="success",
    ):
        response = admin.post(f"/api/users/{user.user_id}/deactivate/", {"reason": "fraud"})
    assert response.status_code == 200
    assert response.json()["status"] == "inactive"
    assert_published(
        "user.status_changed",
        userId=user.user_id,
        previousStatus="active",
        newStatus="inactive",
        changedBy=ADMIN_ID,
        userType="SME_USER",
    )


def test_deactivating_an_inactive_user_is_409_and_a_failure(admin, events_outbox):
    user = register(role="SME_USER")
    admin.post(f"/api/users/{user.user_id}/deactivate/")
    with assert_metric_delta(
        "user_management_operations_total",
        1,
        operation="deactivate",
        user_type="sme_user",
        status="failure",
    ):
        response = admin.post(f"/api/users/{user.user_id}/deactivate/")
    assert response.status_code == 409
    assert response.json()["code"] == "already_inactive"
    assert len(events_outbox.of_type("user.status_changed")) == 1


def test_reactivate(admin, events_outbox):
    user = register(role="SME_OWNER")
    admin.post(f"/api/users/{user.user_id}/deactivate/")
    with assert_metric_delta(
        "user_management_operations_total",
        1,
        operation="reactivate",
        user_type="sme_owner",
        status="success",
    ):
        response = admin.post(f"/api/users/{user.user_id}/reactivate/", {})
    assert response.json()["status"] == "active"
    assert_published("user.status_changed", newStatus="active", previousStatus="inactive")
    assert admin.post(f"/api/users/{user.user_id}/reactivate/").status_code == 409


def test_change_role(admin, events_outbox):
    user = register(role="SME_USER")
    with assert_metric_delta(
        "user_management_operations_total",
        1,
        operation="change_role",
        user_type="sme_user",
        status="success",
    ):
        response = admin.post(f"/api/users/{user.user_id}/role/", {"role": "SME_OWNER"})
    assert response.status_code == 200
    assert response.json()["role"] == "SME_OWNER"
    assert_published(
        "user.role_changed",
        userId=user.user_id,
        previousRole="SME_USER",
        newRole="SME_OWNER",
        changedBy=ADMIN_ID,
    )


@pytest.mark.parametrize(
    ("role", "new_role", "code"),
    [
        ("SME_USER", "SME_USER", "same_role"),
        ("SME_USER", "INTERNAL_ADMIN", "role_needs_no_organization"),
        ("INTERNAL_STAFF", "SME_OWNER", "role_needs_organization"),
    ],
)
def test_role_changes_that_do_not_fit_are_refused(admin, events_outbox, role, new_role, code):
    user = register(role=role)
    with assert_metric_delta(
        "user_management_operations_total",
        1,
        operation="change_role",
        user_type=role.lower(),
        status="failure",
    ):
        response = admin.post(f"/api/users/{user.user_id}/role/", {"role": new_role})
    assert response.status_code == 409
    assert response.json()["code"] == code
    assert events_outbox.of_type("user.role_changed") == []


def test_an_unknown_role_is_a_field_error(admin):
    user = register()
    response = admin.post(f"/api/users/{user.user_id}/role/", {"role": "KING"})
    assert response.status_code == 400
    assert "role" in response.json()


def test_delete_erases_personal_data_and_publishes(admin, events_outbox):
    user = register(role="SME_USER")
    with assert_metric_delta(
        "user_management_operations_total",
        1,
        operation="delete",
        user_type="sme_user",
        status="success",
    ):
        response = admin.delete(f"/api/users/{user.user_id}/")
    assert response.status_code == 204
    assert_published("user.deleted", userId=user.user_id, deletedBy=ADMIN_ID)
    tombstone = UserRecord.objects.get(user_id=user.user_id)
    assert (tombstone.email, tombstone.first_name, tombstone.last_name) == ("", "", "")
    assert admin.delete(f"/api/users/{user.user_id}/").status_code == 404
    assert user.user_id not in {u["user_id"] for u in admin.get("/api/users/").json()["results"]}


def test_an_admin_cannot_lock_themselves_out(admin):
    register(role="INTERNAL_ADMIN", user_id=ADMIN_ID)
    response = admin.post(f"/api/users/{ADMIN_ID}/deactivate/")
    assert response.status_code == 409
    assert response.json()["code"] == "own_account"


def test_staff_read_but_do_not_change(staff):
    user = register()
    assert staff.get("/api/users/").status_code == 200
    assert staff.get(f"/api/users/{user.user_id}/").status_code == 200
    assert staff.get(f"/api/organizations/{user.organization_id}/").status_code == 200
    assert staff.post(f"/api/users/{user.user_id}/deactivate/").status_code == 403
    assert staff.post(f"/api/users/{user.user_id}/role/", {"role": "SME_USER"}).status_code == 403
    assert staff.delete(f"/api/users/{user.user_id}/").status_code == 403


@pytest.mark.parametrize("role", ["SME_OWNER", "SME_USER"])
def test_organisation_users_are_refused_the_directory(role):
    user = register()
    client = api_client(role=role, organization_id=user.organization_id)
    assert client.get("/api/users/").status_code == 403
    assert client.get(f"/api/users/{user.user_id}/").status_code == 403
    assert client.get("/api/organizations/").status_code == 403
    assert client.post(f"/api/users/{user.user_id}/deactivate/").status_code == 403
    assert client.delete(f"/api/users/{user.user_id}/").status_code == 403


def test_no_token_is_401():
    from rest_framework.test import APIClient

    assert APIClient().get("/api/users/").status_code == 401


def test_organizations_list_counts_users(admin):
    owner = register()
    register(role="SME_USER", organization_id=owner.organization_id)
    response = admin.get("/api/organizations/")
    assert response.json()["results"][0]["user_count"] == 2
    assert admin.get(f"/api/organizations/{new_id()}/").status_code == 404
