"""The events the auth service publishes, built from its models (camelCase, ids as strings).

``publish`` writes to the outbox in the caller's transaction and validates each payload
against its schema in ``wanzo_common/events/schemas``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wanzo_common.events import publish
from wanzo_common.events.envelope import format_time, utcnow

from .models import User

AUTH_METHOD = "password"


def _now() -> str:
    return format_time(utcnow())


def _organization(user: User, *, initial_plan: str | None) -> dict[str, Any]:
    organization = user.organization
    data: dict[str, Any] = {"id": str(organization.id), "name": organization.name}
    if initial_plan:
        data["initialPlan"] = initial_plan
    if organization.country:
        data["country"] = organization.country
    if organization.industry:
        data["industry"] = organization.industry
    return data


def user_created(user: User, *, initial_plan: str | None = None) -> None:
    """``initial_plan`` only for a new organisation: admin subscribes it to that plan."""
    data: dict[str, Any] = {
        "userId": str(user.id),
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "userType": user.role,
        "timestamp": _now(),
    }
    if user.phone:
        data["phoneNumber"] = user.phone
    if user.organization_id:
        data["organization"] = _organization(user, initial_plan=initial_plan)
    publish("user.created", data)


def login_succeeded(user: User, *, session_id: str) -> None:
    publish(
        "auth.login_succeeded",
        {
            "userId": str(user.id),
            "userType": user.role,
            "authMethod": AUTH_METHOD,
            "sessionId": session_id,
            "timestamp": _now(),
        },
    )


def login_failed(
    *,
    reason: str,
    user: User | None,
    attempt: int | None = None,
    locked_until: datetime | None = None,
) -> None:
    """``userId`` only when an account matched (the schema's rule); never the e-mail tried.

    ``lockedUntil`` when the account is locked (admin's directory shows the lock state).
    """
    data: dict[str, Any] = {"authMethod": AUTH_METHOD, "reason": reason, "timestamp": _now()}
    if user is not None:
        data["userId"] = str(user.id)
    if attempt:
        data["attempt"] = attempt
    if locked_until is not None:
        data["lockedUntil"] = format_time(locked_until)
    publish("auth.login_failed", data)


def logout(*, user_id: str, session_id: str | None) -> None:
    data = {"userId": user_id, "timestamp": _now()}
    if session_id:
        data["sessionId"] = session_id
    publish("auth.logout", data)


def session_revoked(*, user_id: str, session_id: str, reason: str) -> None:
    publish(
        "auth.session_revoked",
        {"userId": user_id, "sessionId": session_id, "reason": reason, "timestamp": _now()},
    )


def password_changed(user: User, *, changed_by: str, method: str = "change") -> None:
    """``method``: ``change`` (the old password given) or ``reset`` (a token from an e-mail)."""
    publish(
        "auth.password_changed",
        {"userId": str(user.id), "method": method, "changedBy": changed_by, "timestamp": _now()},
    )


def password_reset_requested(user: User) -> None:
    publish("auth.password_reset_requested", {"userId": str(user.id), "timestamp": _now()})
