"""An owner's users: created in the owner's organisation only; roles and isolation checked."""

from __future__ import annotations

import pytest
from identity.models import Organization, User
from rest_framework_simplejwt.tokens import AccessToken

from tests.conftest import PASSWORD, bearer, login, register, unique_email
from wanzo_common.api.testing import api_client
from wanzo_common.events.testing import assert_published

pytestmark = pytest.mark.django_db


def new_user(**overrides) -> dict:
    return {
        "email": unique_email("clerk"),
        "password": PASSWORD,
        "first_name": "Neema",
        "last_name": "Kabila",
        **overrides,
    }


def test_an_owner_adds_an_sme_user_to_their_organization(owner, events_outbox):
    payload = new_user()
    response = bearer(owner["access"]).post("/api/auth/users/", payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "SME_USER"
    assert body["organization"]["id"] == owner["user"]["organization"]["id"]
    [event] = assert_published("user.created", userId=body["id"])
    assert event.data["userType"] == "SME_USER"
    assert event.data["organization"]["id"] == body["organization"]["id"]
    assert "initialPlan" not in event.data["organization"]  # no new subscription for a member
    session = login(payload["email"]).json()
    claims = AccessToken(session["access"])
    assert claims["role"] == "SME_USER" and claims["org"] == body["organization"]["id"]


def test_an_sme_user_cannot_create_users(owner, events_outbox):
    payload = new_user()
    bearer(owner["access"]).post("/api/auth/users/", payload, format="json")
    clerk = login(payload["email"]).json()
    response = bearer(clerk["access"]).post("/api/auth/users/", new_user(), format="json")
    assert response.status_code == 403
    assert bearer(clerk["access"]).get("/api/auth/users/").status_code == 403


def test_an_owner_demoted_since_the_token_was_issued_cannot_create_users(owner):
    User.objects.filter(pk=owner["user"]["id"]).update(role="SME_USER")
    response = bearer(owner["access"]).post("/api/auth/users/", new_user(), format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["INTERNAL_ADMIN", "INSTITUTION_ADMIN", "SME_USER"])
def test_other_roles_cannot_create_users(db, role):
    organization = None if role == "INTERNAL_ADMIN" else Organization.objects.create(name="Other")
    user = User.objects.create_user(unique_email("other"), role=role, organization=organization)
    client = api_client(
        user_id=str(user.id), role=role,
        organization_id=str(organization.id) if organization else None,
    )  # fmt: skip
    assert client.post("/api/auth/users/", new_user(), format="json").status_code == 403


def test_another_organizations_user_is_not_found(owner):
    other = register()
    mine = bearer(owner["access"]).post("/api/auth/users/", new_user(), format="json").json()
    assert bearer(other["access"]).get(f"/api/auth/users/{mine['id']}/").status_code == 404
    assert bearer(owner["access"]).get(f"/api/auth/users/{mine['id']}/").status_code == 200
    assert bearer(owner["access"]).get("/api/auth/users/not-a-uuid/").status_code == 404
    listed = bearer(other["access"]).get("/api/auth/users/").json()
    assert [user["id"] for user in listed["results"]] == [other["user"]["id"]]


def test_the_list_is_paginated(owner):
    for _ in range(3):
        bearer(owner["access"]).post("/api/auth/users/", new_user(), format="json")
    body = bearer(owner["access"]).get("/api/auth/users/?page_size=2").json()
    assert body["count"] == 4 and len(body["results"]) == 2 and body["next"]


def test_a_duplicate_email_is_a_field_error(owner):
    response = bearer(owner["access"]).post(
        "/api/auth/users/", new_user(email=owner["email"].upper()), format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["email"]


def test_an_owner_token_naming_no_user_here_gets_401(db):
    client = api_client(role="SME_OWNER", organization_id="6c1f7e7e-0000-4000-8000-000000000001")
    assert client.post("/api/auth/users/", new_user(), format="json").status_code == 401
    assert client.get("/api/auth/users/").status_code == 401  # listing too: nobody here


def test_an_owner_cannot_add_an_address_in_a_reserved_domain(owner):
    payload = new_user(email="clerk@shop.test")
    response = bearer(owner["access"]).post("/api/auth/users/", payload, format="json")
    assert response.status_code == 400 and list(response.json()) == ["email"]
