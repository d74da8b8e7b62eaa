"""The directory records sign-ins from auth's events, whatever order they are consumed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from directory.models import LoginActivity

from wanzo_common.events import publish
from wanzo_common.events.envelope import Event, format_time
from wanzo_common.events.types import get_type

from .conftest import new_id, register

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def auth_event(type_name: str, data: dict, *, at: datetime) -> Event:
    """An event as auth published it at ``at`` (its ``ce_time``)."""
    event_type = get_type(type_name)
    event_type.validate(data)
    return Event(
        type=type_name,
        data=data,
        source="auth",
        subject=event_type.subject_of(data),
        time=at,
        dataschema=event_type.dataschema,
    )


def login(user_id: str, *, at: datetime) -> Event:
    data = {"userId": user_id, "authMethod": "password", "userType": "SME_OWNER"}
    return auth_event("auth.login_succeeded", {**data, "sessionId": new_id()}, at=at)


def failure(user_id: str | None, *, at: datetime, locked_until: datetime | None = None) -> Event:
    data = {"authMethod": "password", "reason": "invalid_credentials"}
    if user_id:
        data["userId"] = user_id
    if locked_until:
        data["lockedUntil"] = format_time(locked_until)
    return auth_event("auth.login_failed", data, at=at)


def consume(events_outbox, *events: Event) -> None:
    """Hand ``events`` to the broker in this order, then run the admin service's handlers."""
    events_outbox.transport.send([event.to_message() for event in events], timeout=5)
    events_outbox.deliver()


def shown(staff, user_id: str) -> dict:
    response = staff.get(f"/api/users/{user_id}/")
    assert response.status_code == 200
    body = response.json()
    return {key: body[key] for key in ("last_login_at", "failed_logins", "locked_until", "locked")}


def test_published_login_fills_last_login_seen_by_staff(staff, events_outbox):
    user = register()
    assert shown(staff, user.user_id) == {
        "last_login_at": None, "failed_logins": 0, "locked_until": None, "locked": False,
    }  # fmt: skip
    event = publish(
        "auth.login_succeeded",
        {"userId": user.user_id, "authMethod": "password", "sessionId": new_id()},
    )
    events_outbox.deliver()
    listed = staff.get("/api/users/").json()["results"]
    [row] = [row for row in listed if row["user_id"] == user.user_id]
    assert datetime.fromisoformat(row["last_login_at"]) == event.time


def test_failures_count_until_a_login_and_the_lock_shows(staff, events_outbox):
    user = register()
    locked_until = datetime.now(UTC) + timedelta(minutes=15)
    consume(
        events_outbox,
        login(user.user_id, at=T0),
        failure(user.user_id, at=T0 + timedelta(minutes=1)),
        failure(user.user_id, at=T0 + timedelta(minutes=2), locked_until=locked_until),
    )
    state = shown(staff, user.user_id)
    assert state["failed_logins"] == 2 and state["locked"] is True
    assert state["locked_until"].startswith(format_time(locked_until)[:19])

    consume(events_outbox, login(user.user_id, at=T0 + timedelta(minutes=30)))
    state = shown(staff, user.user_id)
    assert state == {
        "last_login_at": "2026-12-01T09:30:00Z", "failed_logins": 0, "locked_until": None,
        "locked": False,
    }  # fmt: skip


def test_a_late_older_login_does_not_move_last_login_back(staff, events_outbox):
    user = register()
    consume(events_outbox, login(user.user_id, at=T0 + timedelta(hours=1)), login(user.user_id, at=T0))
    assert shown(staff, user.user_id)["last_login_at"] == "2026-12-01T10:00:00Z"


def test_a_late_failure_older_than_the_last_login_is_not_recent(staff, events_outbox):
    user = register()
    locked_until = datetime.now(UTC) + timedelta(minutes=15)
    consume(
        events_outbox,
        login(user.user_id, at=T0 + timedelta(minutes=5)),
        failure(user.user_id, at=T0, locked_until=locked_until),  # consumed late
    )
    state = shown(staff, user.user_id)
    assert (state["failed_logins"], state["locked"]) == (0, False)
    activity = LoginActivity.objects.get(user_id=user.user_id)
    assert activity.last_failed_login_at is None


def test_a_failure_consumed_before_an_older_login_stays_counted(staff, events_outbox):
    user = register()
    locked_until = datetime.now(UTC) + timedelta(minutes=15)
    consume(
        events_outbox,
        failure(user.user_id, at=T0 + timedelta(minutes=10), locked_until=locked_until),
        login(user.user_id, at=T0),  # older than the failure, consumed after it
    )
    state = shown(staff, user.user_id)
    assert (state["last_login_at"], state["failed_logins"], state["locked"]) == (
        "2026-12-01T09:00:00Z", 1, True,
    )  # fmt: skip


def test_the_latest_lock_end_wins(staff, events_outbox):
    user = register()
    later = datetime.now(UTC) + timedelta(minutes=30)
    sooner = later - timedelta(minutes=20)
    consume(
        events_outbox,
        failure(user.user_id, at=T0 + timedelta(minutes=2), locked_until=later),
        failure(user.user_id, at=T0 + timedelta(minutes=1), locked_until=sooner),
    )
    assert shown(staff, user.user_id)["locked_until"].startswith(format_time(later)[:19])


def test_a_lock_in_the_past_is_not_locked(staff, events_outbox):
    user = register()
    consume(events_outbox, failure(user.user_id, at=T0, locked_until=T0 + timedelta(minutes=15)))
    state = shown(staff, user.user_id)
    assert (state["failed_logins"], state["locked"]) == (1, False)


def test_a_redelivered_failure_counts_once(staff, events_outbox):
    user = register()
    event = failure(user.user_id, at=T0)
    consume(events_outbox, event, event)
    consume(events_outbox, event)
    assert shown(staff, user.user_id)["failed_logins"] == 1


def test_sign_ins_consumed_before_user_created_show_once_the_user_is_known(
    staff, events_outbox
):
    user_id = new_id()
    consume(events_outbox, login(user_id, at=T0), failure(user_id, at=T0 + timedelta(minutes=1)))
    assert staff.get(f"/api/users/{user_id}/").status_code == 404
    register(user_id=user_id)
    state = shown(staff, user_id)
    assert (state["last_login_at"], state["failed_logins"]) == ("2026-12-01T09:00:00Z", 1)


def test_a_failure_naming_no_account_records_nothing(events_outbox):
    consume(events_outbox, failure(None, at=T0))
    assert LoginActivity.objects.count() == 0


def test_organisation_users_do_not_see_sign_ins(owner_of, events_outbox):
    user = register()
    consume(events_outbox, login(user.user_id, at=T0))
    response = owner_of(user.organization_id).get(f"/api/users/{user.user_id}/")
    assert response.status_code == 403


def test_staff_list_the_users_locked_out_now(staff, events_outbox):
    locked, unlocked, quiet = register(), register(), register()
    future = datetime.now(UTC) + timedelta(minutes=15)
    consume(
        events_outbox,
        failure(locked.user_id, at=T0, locked_until=future),
        failure(unlocked.user_id, at=T0, locked_until=T0 + timedelta(minutes=15)),  # over
    )

    def listed(query: str) -> set[str]:
        response = staff.get(f"/api/users/?{query}")
        assert response.status_code == 200
        return {row["user_id"] for row in response.json()["results"]}

    assert listed("locked=true") == {locked.user_id}
    assert listed("locked=false") >= {unlocked.user_id, quiet.user_id}
    assert locked.user_id not in listed("locked=false")
    assert staff.get("/api/users/?locked=maybe").status_code == 400
