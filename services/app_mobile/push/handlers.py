"""Events in: subscription changes and account status changes become notifications.

A deleted user's devices stop receiving at once (nobody is left to tell).
"""

from __future__ import annotations

from devices.services import devices_deactivate_for_user

from push.notices import SUBSCRIPTION_TEXTS, subscription_notify, user_status_apply
from wanzo_common.events import handler


def on_subscription_event(event) -> None:
    subscription_notify(event_type=event.type, data=event.data, event_id=event.id)


for _type in SUBSCRIPTION_TEXTS:
    handler(_type)(on_subscription_event)


@handler("user.status_changed")
def on_user_status_changed(event) -> None:
    user_status_apply(
        user_id=str(event.data["userId"]), new_status=event.data["newStatus"], event_id=event.id
    )


@handler("user.deleted")
def on_user_deleted(event) -> None:
    devices_deactivate_for_user(user_id=str(event.data["userId"]))
