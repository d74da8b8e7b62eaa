"""Events the auth service consumes: the admin service's decisions about users.

Thin: each handler calls one service function. A user auth never had, or a role change that
cannot apply, can never succeed: rejected (dead-lettered) rather than retried.
"""

from __future__ import annotations

from wanzo_common.events import RejectEvent, handler

from .errors import UserNotFound
from .services import RoleChangeRefused, user_delete_apply, user_role_apply, user_status_apply


@handler("user.status_changed")
def on_user_status_changed(event) -> None:
    try:
        user_status_apply(
            user_id=event.data["userId"], new_status=event.data["newStatus"], at=event.time
        )
    except UserNotFound:
        raise RejectEvent("no such user in auth") from None


@handler("user.role_changed")
def on_user_role_changed(event) -> None:
    try:
        user_role_apply(user_id=event.data["userId"], new_role=event.data["newRole"], at=event.time)
    except UserNotFound:
        raise RejectEvent("no such user in auth") from None
    except RoleChangeRefused as exc:
        raise RejectEvent(str(exc)) from None


@handler("user.deleted")
def on_user_deleted(event) -> None:
    try:
        user_delete_apply(user_id=event.data["userId"], at=event.time)
    except UserNotFound:
        raise RejectEvent("no such user in auth") from None
