"""Events the directory consumes: ``user.created`` from the auth service."""

from __future__ import annotations

import logging

from wanzo_common.events import handler

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
