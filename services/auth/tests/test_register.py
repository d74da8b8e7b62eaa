"""Sign-up: an organisation and its owner, the user.created event, field-level errors."""

from __future__ import annotations

import pytest
from identity.models import Organization, User

from tests.conftest import PASSWORD, register, signup_payload
from wanzo_common.events.testing import assert_published
from wanzo_common.monitoring.testing import assert_metric_delta

pytestmark = pytest.mark.django_db


def test_register_creates_the_owner_and_the_organization(events_outbox, api):
    with assert_metric_delta("token_generation_total", 1, token_type="access"):
        with assert_metric_delta("token_generation_total", 1, token_type="refresh"):
            body = register(api, email="Amani.M@Example.COM")
    user = User.objects.get(pk=body["user"]["id"])
    assert user.email == "amani.m@example.com"
    assert user.role == "SME_OWNER" and user.is_active
    assert user.check_password(PASSWORD)
    assert body["user"]["organization"]["name"] == "Duka Ltd"
    assert body["access"] and body["refresh"]
    assert "password" not in body["user"]


def test_register_publishes_user_created_with_the_organization(events_outbox, api):
    body = register(api)
    user = User.objects.get(pk=body["user"]["id"])
    [event] = assert_published("user.created", userId=str(user.id))
    assert event.data["userType"] == "SME_OWNER"
    assert event.data["email"] == user.email
    assert event.data["phoneNumber"] == "+243 810 000 001"
    assert event.data["organization"] == {
        "id": str(user.organization_id),
        "name": "Duka Ltd",
        "initialPlan": "free",
        "country": "CD",
        "industry": "retail",
    }
    assert event.data["timestamp"].endswith("Z")


def test_email_is_unique_whatever_its_case(events_outbox, api):
    register(api, email="dup@example.com")
    response = api.post(
        "/api/auth/register/", signup_payload(email="DUP@example.com"), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert Organization.objects.count() == 1  # the second organisation was rolled back
    assert_published("user.created", count=1)


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short1!", "too short"), ("password1234", "too common"), ("8437569812345", "numeric")],
)
def test_weak_password_is_a_field_error(events_outbox, api, password, reason):
    response = api.post("/api/auth/register/", signup_payload(password=password), format="json")
    assert response.status_code == 400, reason
    assert list(response.json()) == ["password"]
    assert not User.objects.exists() and not Organization.objects.exists()
    assert_published("user.created", count=0)


def test_password_similar_to_the_email_is_refused(events_outbox, api):
    payload = signup_payload(email="kabilamukendi@example.com", password="kabilamukendi")
    response = api.post("/api/auth/register/", payload, format="json")
    assert response.status_code == 400 and "password" in response.json()


def test_fields_are_checked_one_by_one(api):
    payload = signup_payload(email="not-an-email", phone="call me", organization={"country": "XX"})
    response = api.post("/api/auth/register/", payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert {"email", "phone", "organization"} <= set(errors)
    assert set(errors["organization"]) == {"name", "country"}


def test_a_stale_authorization_header_does_not_stop_a_signup(events_outbox, api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    register(api)
