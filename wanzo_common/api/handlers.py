"""Every service's consumer turns auth's and admin's events into revocations (ADR 0013).

Found by the consumer's autodiscovery like any app's ``handlers`` module, so every service that
installs ``wanzo_common.api`` consumes them. Each handler calls one function of
:mod:`~wanzo_common.api.revocation`; an event applied twice changes nothing (the later
``not_before`` wins), and an event applied late refuses only what it still can.

Each refuses the tokens issued before the event's time (the admin's decision, the change, the
logout). A replayed old event (a new consumer group reading from the start) refuses nothing
alive, and a user reactivated and signed in again keeps the new tokens, whenever the event is
handled here.
"""

from __future__ import annotations

from wanzo_common.events import handler

from .revocation import session_revoke, user_revoke

ACTIVE = "active"


@handler("user.status_changed")
def revoke_on_status_changed(event) -> None:
    if str(event.data["newStatus"]).strip().lower() != ACTIVE:
        user_revoke(user_id=event.data["userId"], not_before=event.time)


@handler("user.deleted")
def revoke_on_deleted(event) -> None:
    user_revoke(user_id=event.data["userId"], not_before=event.time)


@handler("auth.password_changed")
def revoke_on_password_changed(event) -> None:
    user_revoke(user_id=event.data["userId"], not_before=event.time)


@handler("auth.logout")
def revoke_on_logout(event) -> None:
    if event.data.get("sessionId"):
        session_revoke(session_id=event.data["sessionId"], not_before=event.time)


@handler("auth.session_revoked")
def revoke_on_session_revoked(event) -> None:
    session_revoke(session_id=event.data["sessionId"], not_before=event.time)
