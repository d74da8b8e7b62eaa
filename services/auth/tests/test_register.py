"""Sign-up: an organisation and its owner, the user.created event, field-level errors."""

from __future__ import annotations

import pytest
from identity.models import Organization, User

from tests.conftest import PASSWORD, committed, login, register, signup_payload
from wanzo_common.events import publish
from wanzo_common.events.testing import assert_published
from wanzo_common.monitoring.testing import assert_metric_delta

pytestmark = pytest.mark.django_db


def test_register_answers_202_with_no_tokens(events_outbox, api):
    response = api.post("/api/auth/register/", signup_payload(), format="json")
    assert response.status_code == 202
    assert set(response.json()) == {"detail"}


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


def test_a_known_address_gets_the_same_answer_and_its_owner_an_email(
    events_outbox, api, mailoutbox
):
    first = api.post("/api/auth/register/", signup_payload(email="dup@example.com"), format="json")
    with committed():
        again = api.post(
            "/api/auth/register/",
            signup_payload(email="DUP@example.com", password="Another-long-2027"),
            format="json",
        )
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert "exist" not in again.content.decode()
    assert Organization.objects.count() == 1 and User.objects.count() == 1
    assert_published("user.created", count=1)
    [mail] = mailoutbox
    assert mail.to == ["dup@example.com"] and "already has one" in mail.body
    assert login("dup@example.com", PASSWORD).status_code == 200  # the account is unchanged


def test_a_new_address_gets_no_email(events_outbox, api, mailoutbox):
    register(api)
    assert mailoutbox == []


def test_a_deleted_users_address_can_sign_up_again(events_outbox, api):
    body = register(api, email="gone@example.com")
    publish("user.deleted", {"userId": body["user"]["id"], "reason": "asked"})
    events_outbox.deliver()
    assert register(api, email="gone@example.com")["user"]["id"] != body["user"]["id"]


@pytest.mark.parametrize(
    "email",
    [
        "deleted-0b7c1f7e-0000-4000-8000-00000000dead@deleted.invalid",
        "someone@shop.test",
        "someone@example",
        "root@localhost",
        "printer@office.local",
        "x@hidden.onion",
        "x@Name.ALT",
    ],
)
def test_reserved_domains_are_refused(events_outbox, api, email):
    response = api.post("/api/auth/register/", signup_payload(email=email), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "too short"),
        ("Kivu-2026!x", "11 characters: ASVS 2.1.1 asks for 12"),
        ("password1234", "too common"),
        ("8437569812345", "numeric"),
    ],
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
