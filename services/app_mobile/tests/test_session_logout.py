"""``auth.logout`` ends the app sessions of the auth session that signed out."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from app_sessions.models import AppSession
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from wanzo_common.events import publish

pytestmark = pytest.mark.django_db


def phone(user_id: str, org_id: str, sid: str | None) -> APIClient:
    """A client whose token belongs to auth session ``sid`` (none: a token without ``sid``)."""
    token = AccessToken()
    token["user_id"], token["role"], token["org"] = user_id, "SME_OWNER", org_id
    if sid:
        token["sid"] = sid
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def start(client: APIClient) -> str:
    response = client.post(
        "/api/sessions/", {"device_os": "android", "app_version": "2.3"}, format="json"
    )
    assert response.status_code == 201
    return response.json()["id"]


def ended(session_id: str) -> bool:
    return AppSession.objects.get(pk=session_id).ended_at is not None


def test_the_session_remembers_its_auth_session(user_id, org_id):
    sid = str(uuid.uuid4())
    session_id = start(phone(user_id, org_id, sid))
    assert AppSession.objects.get(pk=session_id).auth_session_id == sid


def test_logout_ends_that_sessions_apps_only(user_id, org_id, deliver):
    sid, other_sid = str(uuid.uuid4()), str(uuid.uuid4())
    mine = start(phone(user_id, org_id, sid))
    other_device = start(phone(user_id, org_id, other_sid))
    someone_else = start(phone(str(uuid.uuid4()), org_id, sid))

    event = deliver("auth.logout", {"userId": user_id, "sessionId": sid})

    assert ended(mine) and not ended(other_device) and not ended(someone_else)
    session = AppSession.objects.get(pk=mine)
    assert session.ended_at == max(event.time, session.started_at)
    listed = phone(user_id, org_id, other_sid).get("/api/sessions/").json()["results"]
    assert {row["id"]: row["ended_at"] is not None for row in listed} == {
        mine: True, other_device: False,
    }  # fmt: skip


def test_sessions_of_an_unknown_auth_session_end_too(user_id, org_id, deliver):
    legacy = start(phone(user_id, org_id, None))  # a token from before sid existed
    other_device = start(phone(user_id, org_id, str(uuid.uuid4())))
    deliver("auth.logout", {"userId": user_id, "sessionId": str(uuid.uuid4())})
    assert ended(legacy) and not ended(other_device)


def test_a_logout_without_session_ends_every_open_session_of_the_user(user_id, org_id, deliver):
    sessions = [start(phone(user_id, org_id, str(uuid.uuid4()))) for _ in range(2)]
    deliver("auth.logout", {"userId": user_id})
    assert all(ended(session) for session in sessions)


def test_an_ended_session_keeps_its_end_and_a_redelivery_changes_nothing(
    user_id, org_id, deliver, events_outbox
):
    sid = str(uuid.uuid4())
    client = phone(user_id, org_id, sid)
    session_id = start(client)
    first_end = client.post(f"/api/sessions/{session_id}/end/").json()["ended_at"]
    deliver("auth.logout", {"userId": user_id, "sessionId": sid})
    events_outbox.deliver()  # the same event again
    # Looked at from another session: the logged-out one's tokens may be refused now.
    listed = phone(user_id, org_id, str(uuid.uuid4())).get("/api/sessions/").json()["results"]
    assert listed[0]["ended_at"] == first_end


def test_a_session_started_after_the_logout_time_ends_when_it_started(user_id, org_id):
    from app_sessions.services import app_sessions_end_for_logout

    sid = str(uuid.uuid4())
    session_id = start(phone(user_id, org_id, sid))
    early = timezone.now() - timedelta(minutes=5)  # the logout's clock was behind
    assert app_sessions_end_for_logout(user_id=user_id, auth_session_id=sid, at=early) == 1
    session = AppSession.objects.get(pk=session_id)
    assert session.ended_at == session.started_at


def test_logout_is_consumed_by_this_service(events_outbox):
    publish("auth.logout", {"userId": str(uuid.uuid4())})
    stats = events_outbox.deliver()
    assert stats["handled"] == 1


def test_a_revoked_session_ends_its_apps_too(user_id, org_id, deliver):
    """``auth.session_revoked`` (a refresh token reused, ADR 0013) ends the apps like a logout."""
    sid = str(uuid.uuid4())
    mine, other_device = start(phone(user_id, org_id, sid)), start(phone(user_id, org_id, None))
    deliver(
        "auth.session_revoked",
        {"userId": user_id, "sessionId": sid, "reason": "refresh_token_reuse",
         "timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")},
    )  # fmt: skip
    assert ended(mine) and ended(other_device)  # a session without sid may be the revoked one
