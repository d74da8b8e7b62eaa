"""Writes: start and end an app session; starting one counts ``app_sessions_total``.

Signing out ends the app: ``auth.logout`` ends the user's open app sessions of that auth
session (:func:`app_sessions_end_for_logout`).
"""

from __future__ import annotations

from datetime import datetime

from app_mobile_service.metrics import APP_SESSIONS
from devices.services import member_record
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from app_sessions.models import AppSession
from app_sessions.versions import app_version_label


def app_session_start(
    *,
    user_id: str,
    organization_id: str | None,
    user_type: str,
    device_os: str,
    app_version: str,
    device_id: str = "",
    auth_session_id: str = "",
) -> AppSession:
    with transaction.atomic():
        session = AppSession.objects.create(
            user_id=user_id,
            organization_id=organization_id,
            device_os=device_os,
            app_version=app_version,
            device_id=device_id,
            auth_session_id=auth_session_id,
        )
        member_record(user_id=user_id, organization_id=organization_id)
    APP_SESSIONS.labels(
        os=device_os, app_version=app_version_label(app_version), user_type=user_type
    ).inc()
    return session


def app_session_end(*, session: AppSession) -> AppSession:
    """End the session (ending it again changes nothing: a retried request is harmless)."""
    if session.ended_at is None:
        session.ended_at = max(timezone.now(), session.started_at)
        session.save(update_fields=["ended_at"])
    return session


def app_sessions_end_for_logout(*, user_id: str, auth_session_id: str | None, at: datetime) -> int:
    """End the open app sessions a logout ends, at ``at`` (the logout's time); returns how many.

    Those opened in that auth session, and those whose auth session is unknown (opened with a
    token without ``sid``): one of them may be it, and ending a session too many is the safe
    mistake. A logout naming no session ends every open session of the user. Sessions already
    ended keep their end, so a redelivered logout changes nothing; a session started after
    ``at`` (clocks apart) ends when it started.
    """
    sessions = AppSession.objects.filter(user_id=user_id, ended_at__isnull=True)
    if auth_session_id:
        sessions = sessions.filter(Q(auth_session_id=auth_session_id) | Q(auth_session_id=""))
    return sessions.update(ended_at=Greatest(Value(at), F("started_at")))
