"""Service functions turning other services' events into notifications.

The texts say what happened in words a user reads on a lock screen, with no personal data (a
plan name, a status; never an e-mail or a name). Losing access (a cancelled or expired
subscription, a deactivated account) is high priority; the rest is normal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devices.selectors import member_organization_id
from devices.services import devices_deactivate_for_user

from push.models import Notification, NotificationType, Priority
from push.services import notification_send, notifications_send_to_organization

SUBSCRIPTION_TEXTS = {
    "subscription.created": ("Subscription started", "Your organisation is on the {plan} plan."),
    "subscription.changed": ("Plan changed", "Your organisation moved to the {plan} plan."),
    "subscription.cancelled": ("Subscription cancelled", "The {plan} plan was cancelled."),
    "subscription.expired": ("Subscription expired", "The {plan} plan has expired."),
}
HIGH_PRIORITY = {"subscription.cancelled", "subscription.expired"}


def subscription_notify(*, event_type: str, data: Mapping[str, Any], event_id: str) -> None:
    """Tell every known user of the organisation (``entityId``) about its subscription."""
    title, body = SUBSCRIPTION_TEXTS[event_type]
    plan = data.get("newPlan") or data.get("plan") or ""
    notifications_send_to_organization(
        organization_id=str(data["entityId"]),
        notification_type=NotificationType.SUBSCRIPTION,
        priority=Priority.HIGH if event_type in HIGH_PRIORITY else Priority.NORMAL,
        title=title,
        body=body.format(plan=plan),
        data={"event": event_type, "plan": plan, "subscriptionId": data.get("subscriptionId")},
        event_id=event_id,
    )


def user_status_apply(*, user_id: str, new_status: str, event_id: str) -> Notification | None:
    """Tell the user their account's status; an inactive account's devices then stop receiving.

    The notification picks its devices before they are deactivated, so this last one still
    reaches the phone.
    """
    inactive = new_status == "inactive"
    notification = notification_send(
        user_id=user_id,
        organization_id=member_organization_id(user_id=user_id),
        notification_type=NotificationType.ACCOUNT,
        priority=Priority.HIGH,
        title="Account deactivated" if inactive else "Account status changed",
        body=f"Your account is now {new_status[:50]}.",
        data={"newStatus": new_status[:50]},
        event_id=event_id,
    )
    if inactive:
        devices_deactivate_for_user(user_id=user_id)
    return notification
