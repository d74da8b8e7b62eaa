"""Plans and subscriptions: creation, the state machine, events, the expiry task, isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from subscriptions.models import Plan, Subscription
from subscriptions.services import TRANSITIONS
from subscriptions.tasks import expire_subscriptions

from wanzo_common.events.testing import assert_published

from .conftest import ADMIN_ID, new_id, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization_id():
    return register(role="SME_OWNER").organization_id


def subscribe(admin, organization_id: str, plan: str = "basic", **extra) -> dict:
    response = admin.post(
        "/api/subscriptions/",
        {"organization_id": organization_id, "plan": plan, **extra},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def act(admin, subscription: dict, action: str, body: dict | None = None):
    return admin.post(
        f"/api/subscriptions/{subscription['id']}/{action}/", body or {}, format="json"
    )


def test_the_plan_catalogue_is_seeded():
    plans = {plan.code: plan for plan in Plan.objects.all()}
    assert set(plans) == {"free", "basic", "professional", "premium", "enterprise"}
    assert plans["free"].price == 0 and plans["enterprise"].price > plans["premium"].price
    assert {plan.currency for plan in plans.values()} == {"USD"}


def test_plans_are_listed_to_everyone(owner_of):
    response = owner_of("org-1").get("/api/plans/")
    assert response.status_code == 200
    assert [plan["code"] for plan in response.json()["results"]][0] == "free"
    assert response.json()["results"][1]["price"] == "15.0000"


def test_create_publishes_the_charge(admin, organization_id, events_outbox):
    subscription = subscribe(admin, organization_id, "professional")
    assert subscription["status"] == "active"
    assert (subscription["amount"], subscription["currency"]) == ("49.0000", "USD")
    [event] = assert_published(
        "subscription.created",
        entityId=organization_id,
        entityType="sme",
        plan="professional",
        status="active",
        amount="49.0000",
        currency="USD",
        userId=ADMIN_ID,
        subscriptionId=subscription["id"],
    )
    assert event.data["expiresAt"].endswith("Z")


def test_the_free_plan_is_open_ended(admin, organization_id, events_outbox):
    subscription = subscribe(admin, organization_id, "free")
    assert subscription["ends_at"] is None
    assert_published("subscription.created", amount="0.0000", plan="free")


def test_an_unknown_organisation_is_a_field_error(admin, events_outbox):
    response = admin.post(
        "/api/subscriptions/", {"organization_id": new_id(), "plan": "basic"}, format="json"
    )
    assert response.status_code == 400
    assert "organization_id" in response.json()
    assert events_outbox.of_type("subscription.created") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plan": "gold"}, "plan"),
        ({"trial_days": -1}, "trial_days"),
        ({"plan": "free", "trial_days": 7}, "trial_days"),
        ({"ends_at": "2001-01-01T00:00:00Z"}, "ends_at"),
    ],
)
def test_invalid_creations_are_field_errors(admin, organization_id, body, field):
    response = admin.post(
        "/api/subscriptions/",
        {"organization_id": organization_id, "plan": "basic", **body},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()


def test_one_live_subscription_per_organisation(admin, organization_id):
    subscribe(admin, organization_id)
    response = admin.post(
        "/api/subscriptions/",
        {"organization_id": organization_id, "plan": "premium"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_subscribed"


def test_change_plan(admin, organization_id, events_outbox):
    subscription = subscribe(admin, organization_id, "basic")
    response = act(admin, subscription, "change-plan", {"plan": "premium"})
    assert response.status_code == 200
    assert response.json()["plan"] == "premium"
    assert_published(
        "subscription.changed",
        previousPlan="basic",
        newPlan="premium",
        status="active",
        amount="99.0000",
        currency="USD",
        entityId=organization_id,
        changedBy=ADMIN_ID,
    )
    same = act(admin, subscription, "change-plan", {"plan": "premium"})
    assert same.status_code == 409 and same.json()["code"] == "same_plan"


def test_a_trial_is_free_until_activated(admin, organization_id, events_outbox):
    subscription = subscribe(admin, organization_id, "basic", trial_days=14)
    assert subscription["status"] == "trial"
    assert_published("subscription.created", status="trial", amount="0.0000")
    response = act(admin, subscription, "activate")
    assert response.json()["status"] == "active"
    assert_published(
        "subscription.changed",
        previousPlan="basic",
        newPlan="basic",
        status="active",
        amount="15.0000",
    )


def test_past_due_and_settled_carry_no_charge(admin, organization_id, events_outbox):
    subscription = subscribe(admin, organization_id)
    assert act(admin, subscription, "mark-past-due").json()["status"] == "past_due"
    assert act(admin, subscription, "activate").json()["status"] == "active"
    changed = events_outbox.of_type("subscription.changed")
    assert [event.data["status"] for event in changed] == ["past_due", "active"]
    assert all("amount" not in event.data for event in changed)


def test_cancel(admin, organization_id, events_outbox):
    subscription = subscribe(admin, organization_id)
    response = act(admin, subscription, "cancel", {"reason": "closing the shop"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert_published(
        "subscription.cancelled",
        entityId=organization_id,
        plan="basic",
        cancelledBy=ADMIN_ID,
        reason="closing the shop",
        subscriptionId=subscription["id"],
    )
    # A cancelled subscription leaves room for a new one.
    subscribe(admin, organization_id, "premium")


@pytest.mark.parametrize(
    ("setup", "action", "state"),
    [
        (["cancel"], "activate", "cancelled"),
        (["cancel"], "cancel", "cancelled"),
        (["expire"], "cancel", "expired"),
        (["expire"], "expire", "expired"),
        ([], "activate", "active"),
        (["mark-past-due"], "mark-past-due", "past_due"),
    ],
)
def test_illegal_transitions_are_409_with_the_reason(admin, organization_id, setup, action, state):
    subscription = subscribe(admin, organization_id)
    for step in setup:
        assert act(admin, subscription, step).status_code == 200
    response = act(admin, subscription, action)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert f"A {state} subscription cannot become" in body["detail"]
    assert Subscription.objects.get(id=subscription["id"]).status == state


def test_a_final_subscription_cannot_change_plan(admin, organization_id):
    subscription = subscribe(admin, organization_id)
    act(admin, subscription, "cancel")
    response = act(admin, subscription, "change-plan", {"plan": "premium"})
    assert response.status_code == 409
    assert response.json()["code"] == "not_live"


def test_the_state_machine_is_explicit():
    assert TRANSITIONS["cancelled"] == TRANSITIONS["expired"] == frozenset()
    assert "trial" not in set().union(*TRANSITIONS.values())


def test_the_task_expires_what_is_past_its_end_date(admin, organization_id, events_outbox):
    due = subscribe(admin, organization_id)
    Subscription.objects.filter(id=due["id"]).update(ends_at=timezone.now() - timedelta(minutes=1))
    other = subscribe(admin, register().organization_id)  # a month to go
    free = subscribe(admin, register().organization_id, "free")  # open-ended

    assert expire_subscriptions.apply().get() == 1

    assert Subscription.objects.get(id=due["id"]).status == "expired"
    assert {Subscription.objects.get(id=s["id"]).status for s in (other, free)} == {"active"}
    [event] = assert_published("subscription.expired", subscriptionId=due["id"], plan="basic")
    assert event.data["expiredAt"].endswith("Z")
    assert expire_subscriptions.apply().get() == 0


def test_the_expiry_task_is_scheduled(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["admin-expire-subscriptions"]["task"] == "subscriptions.expire_subscriptions"
    assert "wanzo-events-relay-outbox" in schedule


def test_members_read_their_own_organisation_only(admin, owner_of, organization_id):
    mine = subscribe(admin, organization_id)
    theirs = subscribe(admin, register().organization_id)
    owner = owner_of(organization_id)

    assert owner.get(f"/api/subscriptions/{mine['id']}/").status_code == 200
    assert owner.get(f"/api/subscriptions/{theirs['id']}/").status_code == 404
    assert owner.get("/api/subscriptions/current/").json()["id"] == mine["id"]
    listed = owner.get("/api/subscriptions/").json()["results"]
    assert [row["id"] for row in listed] == [mine["id"]]
    filtered = owner.get(f"/api/subscriptions/?organization={theirs['organization_id']}")
    assert filtered.json()["results"] == []


def test_sme_users_read_their_subscription_too(admin, organization_id):
    from wanzo_common.api.testing import api_client

    mine = subscribe(admin, organization_id)
    user = api_client(role="SME_USER", organization_id=organization_id)
    assert user.get("/api/subscriptions/current/").json()["id"] == mine["id"]
    assert (
        api_client(role="SME_USER", organization_id=new_id())
        .get("/api/subscriptions/current/")
        .status_code
        == 404
    )


def test_members_change_nothing(admin, owner_of, organization_id):
    subscription = subscribe(admin, organization_id)
    owner = owner_of(organization_id)
    body = {"organization_id": organization_id, "plan": "basic"}
    assert owner.post("/api/subscriptions/", body, format="json").status_code == 403
    for action in ("change-plan", "activate", "mark-past-due", "cancel", "expire"):
        assert act(owner, subscription, action, {"plan": "premium"}).status_code == 403


def test_staff_read_every_subscription_but_change_none(admin, staff, organization_id):
    subscription = subscribe(admin, organization_id)
    assert staff.get(f"/api/subscriptions/{subscription['id']}/").status_code == 200
    assert staff.get("/api/subscriptions/?status=active").json()["count"] == 1
    assert act(staff, subscription, "cancel").status_code == 403
    assert staff.get("/api/subscriptions/current/").status_code == 403
