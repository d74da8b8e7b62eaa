"""Events in: ``auth.logout`` and ``auth.session_revoked`` end the app sessions of that session."""

from __future__ import annotations

from app_sessions.services import app_sessions_end_for_logout
from wanzo_common.events import handler


@handler("auth.logout")
@handler("auth.session_revoked")
def on_logout(event) -> None:
    """``sessionId`` is the token's ``sid``; without it, every open session of the user ends."""
    app_sessions_end_for_logout(
        user_id=str(event.data["userId"]),
        auth_session_id=event.data.get("sessionId"),
        at=event.time,
    )
