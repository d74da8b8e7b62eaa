"""Writes of the directory: users registered from ``user.created``, and admins' operations.

Every operation an administrator does is published in the same transaction as the change
(``user.status_changed``, ``user.role_changed``, ``user.deleted``; auth consumes them to refuse
logins and revoke tokens) and counted in ``user_management_operations_total`` with
``status="failure"`` when the operation is refused (409 with the reason).

Sign-ins are recorded from auth's events (``login_success_record``, ``login_failure_record``):
each moves a user's :class:`LoginActivity` forward in event time only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from admin_service.errors import Conflict
from admin_service.metrics import USER_MANAGEMENT_OPERATIONS
from django.db import transaction
from rest_framework.exceptions import NotFound

from wanzo_common.api.roles import INTERNAL_ROLES, user_type_label
from wanzo_common.events import publish
from wanzo_common.events.envelope import format_time, utcnow

from .models import LoginActivity, Organization, UserRecord, UserStatus


def organization_ensure(
    *,
    organization_id: str,
    name: str,
    country: str = "",
    industry: str = "",
    initial_plan: str = "",
) -> Organization:
    """The organisation with this id, created on first sight (later sightings change nothing)."""
    organization, _ = Organization.objects.get_or_create(
        id=organization_id,
        defaults={
            "name": name[:255],
            "country": country[:100],
            "industry": industry[:100],
            "initial_plan": initial_plan[:20],
        },
    )
    return organization


@transaction.atomic
def user_register(
    *,
    user_id: str,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    organization: dict[str, Any] | None = None,
) -> tuple[UserRecord, bool]:
    """Record a user auth created; ``(record, created)``. Idempotent by user id.

    A user already known (even deleted: a tombstone) is left as it is, so a replayed or late
    ``user.created`` never undoes an administrator's change.
    """
    org = None
    if organization:
        org = organization_ensure(
            organization_id=organization["id"],
            name=organization.get("name", ""),
            country=organization.get("country", ""),
            industry=organization.get("industry", ""),
            initial_plan=organization.get("initialPlan", ""),
        )
    return UserRecord.objects.get_or_create(
        user_id=user_id,
        defaults={
            "email": email,
            "role": role,
            "first_name": first_name[:150],
            "last_name": last_name[:150],
            "organization": org,
        },
    )


def _activity_for_update(user_id: str) -> LoginActivity:
    LoginActivity.objects.get_or_create(user_id=user_id)
    return LoginActivity.objects.select_for_update().get(user_id=user_id)


@transaction.atomic
def login_success_record(*, user_id: str, at: datetime) -> LoginActivity:
    """A login at ``at`` (event time). Older than the last login known: nothing changes.

    Failures later than this login stay counted, the others are forgotten; the lock ends with
    a login later than the last failure (auth clears it when a login succeeds). A failure
    consumed before an older login is known only by its time: it counts as one.
    """
    activity = _activity_for_update(user_id)
    if activity.last_login_at is not None and at <= activity.last_login_at:
        return activity
    activity.last_login_at = at
    failed_since = activity.last_failed_login_at is not None and activity.last_failed_login_at > at
    activity.failed_logins = min(activity.failed_logins, 1) if failed_since else 0
    if not failed_since:
        activity.locked_until = None
    activity.save()
    return activity


@transaction.atomic
def login_failure_record(
    *, user_id: str, at: datetime, locked_until: datetime | None = None
) -> LoginActivity:
    """A failed login at ``at`` (event time), counted unless a later login is already known.

    ``locked_until``: auth locked the account until then; the latest end wins.
    """
    activity = _activity_for_update(user_id)
    if activity.last_login_at is not None and at <= activity.last_login_at:
        return activity  # before the last login: neither recent nor a lock still in force
    activity.failed_logins += 1
    if activity.last_failed_login_at is None or at > activity.last_failed_login_at:
        activity.last_failed_login_at = at
    if locked_until is not None and (
        activity.locked_until is None or locked_until > activity.locked_until
    ):
        activity.locked_until = locked_until
    activity.save()
    return activity


def user_deactivate(*, user_id: str, actor_id: str, reason: str | None = None) -> UserRecord:
    return _user_set_status(
        user_id=user_id,
        actor_id=actor_id,
        reason=reason,
        operation="deactivate",
        new_status=UserStatus.INACTIVE,
    )


def user_reactivate(*, user_id: str, actor_id: str, reason: str | None = None) -> UserRecord:
    return _user_set_status(
        user_id=user_id,
        actor_id=actor_id,
        reason=reason,
        operation="reactivate",
        new_status=UserStatus.ACTIVE,
    )


def user_change_role(*, user_id: str, actor_id: str, role: str) -> UserRecord:
    """Give the user another role; internal roles have no organisation, the others need one."""
    with transaction.atomic():
        user = _user_for_update(user_id)
        _check_not_self(user, actor_id, "change_role")
        if user.role == role:
            _refuse(user, "change_role", f"The user already has the role {role}.", "same_role")
        if role in INTERNAL_ROLES and user.organization_id is not None:
            _refuse(
                user,
                "change_role",
                "An organisation's user cannot get an internal role.",
                "role_needs_no_organization",
            )
        if role not in INTERNAL_ROLES and user.organization_id is None:
            _refuse(
                user,
                "change_role",
                f"The role {role} needs an organisation.",
                "role_needs_organization",
            )
        previous, user.role = user.role, role
        user.save(update_fields=["role", "updated_at"])
        publish(
            "user.role_changed",
            {
                "userId": user.user_id,
                "previousRole": previous,
                "newRole": role,
                "changedBy": actor_id,
                "timestamp": _now(),
            },
        )
    _count("change_role", previous, "success")
    return user


def user_delete(*, user_id: str, actor_id: str, reason: str | None = None) -> None:
    """Delete a user: their personal data is erased and a tombstone keeps the id."""
    with transaction.atomic():
        user = _user_for_update(user_id)
        _check_not_self(user, actor_id, "delete")
        user.email = user.first_name = user.last_name = ""
        user.status = UserStatus.INACTIVE
        user.deleted_at = utcnow()
        user.save(
            update_fields=["email", "first_name", "last_name", "status", "deleted_at", "updated_at"]
        )
        publish(
            "user.deleted",
            {
                "userId": user.user_id,
                "deletedBy": actor_id,
                "reason": reason,
                "timestamp": _now(),
            },
        )
    _count("delete", user.role, "success")


def _user_set_status(
    *, user_id: str, actor_id: str, reason: str | None, operation: str, new_status: str
) -> UserRecord:
    with transaction.atomic():
        user = _user_for_update(user_id)
        _check_not_self(user, actor_id, operation)
        if user.status == new_status:
            _refuse(user, operation, f"The user is already {new_status}.", f"already_{new_status}")
        previous, user.status = user.status, new_status
        user.save(update_fields=["status", "updated_at"])
        publish(
            "user.status_changed",
            {
                "userId": user.user_id,
                "previousStatus": previous,
                "newStatus": new_status,
                "changedBy": actor_id,
                "reason": reason,
                "userType": user.role,
                "timestamp": _now(),
            },
        )
    _count(operation, user.role, "success")
    return user


def _user_for_update(user_id: str) -> UserRecord:
    user = (
        UserRecord.objects.select_for_update()
        .filter(user_id=user_id, deleted_at__isnull=True)
        .first()
    )
    if user is None:
        raise NotFound("No such user.")
    return user


def _check_not_self(user: UserRecord, actor_id: str, operation: str) -> None:
    """An administrator cannot lock themselves out (or demote or delete themselves)."""
    if user.user_id == actor_id:
        _refuse(
            user, operation, "Administrators cannot do this to their own account.", "own_account"
        )


def _refuse(user: UserRecord, operation: str, detail: str, code: str) -> None:
    _count(operation, user.role, "failure")
    raise Conflict(detail, code=code)


def _count(operation: str, role: str, status: str) -> None:
    USER_MANAGEMENT_OPERATIONS.labels(
        operation=operation, user_type=user_type_label(role), status=status
    ).inc()


def _now() -> str:
    return format_time(utcnow())
