"""Every service's consumer turns auth's and admin's events into revocations (ADR 0013).

Found by the consumer's autodiscovery like any app's ``handlers`` module, so every service that
installs ``wanzo_common.api`` consumes them. Each handler calls one function of
:mod:`~wanzo_common.api.revocation`; an event applied twice changes nothing (the later
``not_before`` wins), and an event applied late refuses only what it still can.

Which instant: a deactivation or a deletion refuses every token issued before this service
learned of it (rounded up to the second). auth may have issued one after the admin's decision
and before it applied it; taking the moment of handling here rather than the event's time
closes that gap, and costs a reactivated user at most one refresh. A replayed old event (a new
consumer group reading from the start) refuses nothing alive: the instant is capped at the
event's time plus the access-token lifetime. A password change refuses the tokens issued before
it (auth issues the new pair right after, in the same second: rounded down).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from wanzo_common.events import handler

from .revocation import session_revoke, user_revoke, whole_second

ACTIVE = "active"


def _handling_instant(event_time: datetime) -> datetime:
    from rest_framework_simplejwt.settings import api_settings

    latest_useful = event_time + api_settings.ACCESS_TOKEN_LIFETIME
    return whole_second(min(timezone.now(), latest_useful), up=True)


@handler("user.status_changed")
def revoke_on_status_changed(event) -> None:
    if str(event.data["newStatus"]).strip().lower() != ACTIVE:
        user_revoke(user_id=event.data["userId"], not_before=_handling_instant(event.time))


@handler("user.deleted")
def revoke_on_deleted(event) -> None:
    user_revoke(user_id=event.data["userId"], not_before=_handling_instant(event.time))


@handler("auth.password_changed")
def revoke_on_password_changed(event) -> None:
    user_revoke(user_id=event.data["userId"], not_before=whole_second(event.time, up=False))


@handler("auth.logout")
def revoke_on_logout(event) -> None:
    if event.data.get("sessionId"):
        session_revoke(
            session_id=event.data["sessionId"], not_before=_handling_instant(event.time)
        )


@handler("auth.session_revoked")
def revoke_on_session_revoked(event) -> None:
    session_revoke(session_id=event.data["sessionId"], not_before=_handling_instant(event.time))
