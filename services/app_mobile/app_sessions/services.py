"""Writes: start and end an app session; starting one counts ``app_sessions_total``."""

from __future__ import annotations

from app_mobile_service.metrics import APP_SESSIONS
from devices.services import member_record
from django.db import transaction
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
) -> AppSession:
    with transaction.atomic():
        session = AppSession.objects.create(
            user_id=user_id,
            organization_id=organization_id,
            device_os=device_os,
            app_version=app_version,
            device_id=device_id,
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
