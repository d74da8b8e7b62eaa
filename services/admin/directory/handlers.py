"""Events the directory consumes from the auth service: ``user.created`` and sign-ins.

Sign-ins are dated by the event's time (``ce_time``, set when auth committed the attempt), so
the order in which they are consumed does not matter.
"""

from __future__ import annotations

import logging

from wanzo_common.events import handler
from wanzo_common.events.envelope import parse_time

from . import services

logger = logging.getLogger(__name__)


@handler("user.created")
def on_user_created(event) -> None:
    """Record the new user (and their organisation); a second delivery changes nothing."""
    data = event.data
    record, created = services.user_register(
        user_id=data["userId"],
        email=data["email"],
        role=data["userType"],
        first_name=data.get("firstName", ""),
        last_name=data.get("lastName", ""),
        organization=data.get("organization"),
    )
    if created:
        logger.info("directory: user %s recorded (event %s)", record.user_id, event.id)


@handler("auth.login_succeeded")
def on_login_succeeded(event) -> None:
    services.login_success_record(user_id=event.data["userId"], at=event.time)


@handler("auth.login_failed")
def on_login_failed(event) -> None:
    """Failures naming no account (an unknown e-mail) have no user to record."""
    data = event.data
    if "userId" not in data:
        return
    locked_until = data.get("lockedUntil")
    services.login_failure_record(
        user_id=data["userId"],
        at=event.time,
        locked_until=parse_time(locked_until) if locked_until else None,
    )
