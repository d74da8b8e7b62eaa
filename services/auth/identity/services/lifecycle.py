"""What the admin service decides about a user, applied here: status, role, deletion.

Driven by events (``user.status_changed``, ``user.role_changed``, ``user.deleted``). Each change
is applied once and in order: the event's time is kept on the user, and an event no newer than
the last one applied changes nothing (a redelivery, or an older event arriving late).
Deactivating revokes every refresh token and refuses earlier access tokens at once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from wanzo_common.api.roles import INTERNAL_ROLES, Role

from ..errors import UserNotFound
from ..models import User
from ..selectors import user_get
from ..tokens import user_tokens_revoke_all

logger = logging.getLogger(__name__)

ACTIVE = "active"
# Statuses of the admin service that mean "may not sign in".
INACTIVE = frozenset({"inactive", "suspended", "disabled", "blocked", "locked", "deleted"})


class RoleChangeRefused(ValueError):
    """A role change that would move a user between an organisation and Wanzo's staff."""


def _locked_user(user_id: str) -> User:
    user = user_get(user_id=user_id, for_update=True)
    if user is None:
        raise UserNotFound(user_id)
    return user


def _is_stale(applied_at: datetime | None, at: datetime) -> bool:
    return applied_at is not None and at <= applied_at


def user_status_apply(*, user_id: str, new_status: str, at: datetime) -> bool:
    """Deactivate (and revoke) or reactivate; ``False`` when nothing changed."""
    status = new_status.strip().lower()
    if status != ACTIVE and status not in INACTIVE:
        logger.info("user %s: status %r means nothing to auth, ignored", user_id, status[:40])
        return False
    with transaction.atomic():
        user = _locked_user(user_id)
        if _is_stale(user.status_changed_at, at) or user.deleted_at is not None:
            return False
        user.is_active = status == ACTIVE
        user.status_changed_at = at
        user.save(update_fields=["is_active", "status_changed_at"])
        if not user.is_active:
            revoked = user_tokens_revoke_all(user=user, decided_at=at)
            logger.info("user %s deactivated, %d refresh token(s) revoked", user.id, revoked)
    return True


def user_role_apply(*, user_id: str, new_role: str, at: datetime) -> bool:
    if new_role not in Role.values:
        raise RoleChangeRefused(f"unknown role {new_role[:40]!r}")
    with transaction.atomic():
        user = _locked_user(user_id)
        if _is_stale(user.role_changed_at, at):
            return False
        if (new_role in INTERNAL_ROLES) != user.is_internal:
            raise RoleChangeRefused("a role change cannot move a user in or out of Wanzo's staff")
        user.role = new_role
        user.role_changed_at = at
        user.save(update_fields=["role", "role_changed_at"])
    return True


def user_delete_apply(*, user_id: str, at: datetime) -> bool:
    """Deactivate, revoke, and erase the personal data (the e-mail becomes NULL); the row
    stays (its id is known to other services)."""
    with transaction.atomic():
        user = _locked_user(user_id)
        if user.deleted_at is not None:
            return False
        # A tombstone: no address at all (the unique index ignores NULLs), so nothing anyone
        # signs up with can collide with it and block the deletion.
        user.email = None
        user.first_name = user.last_name = user.phone = ""
        user.set_unusable_password()
        user.is_active = False
        user.deleted_at = at
        user.save()
        user_tokens_revoke_all(user=user, decided_at=at)
    return True
