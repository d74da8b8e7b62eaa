"""The ``subscription.*`` payloads, built from a subscription (camelCase, strings, UTC ``Z``).

``amount``/``currency`` say what this event charges: the plan's price when a subscription
starts active, a trial becomes active, or the plan changes while active; ``0`` while in trial.
Accounting books a charge when ``amount > 0``, so status-only changes (past due, paid again)
carry no amount and are never booked twice.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from wanzo_common.events import publish
from wanzo_common.events.envelope import format_time, utcnow
from wanzo_common.money import format_amount

from .models import Subscription

ENTITY_TYPE = "sme"
FOUR_PLACES = Decimal("0.0001")  # amounts in events as stored: four decimal places


def publish_created(subscription: Subscription, *, charge: Decimal, actor_id: str) -> None:
    publish(
        "subscription.created",
        {
            **_common(subscription),
            "plan": subscription.plan_id,
            "status": subscription.status,
            "amount": _amount(charge),
            "currency": subscription.plan.currency,
            "startsAt": format_time(subscription.started_at),
            **_expires(subscription),
            "userId": actor_id,
        },
    )


def publish_changed(
    subscription: Subscription,
    *,
    previous_plan: str,
    charge: Decimal | None,
    actor_id: str,
    reason: str | None = None,
) -> None:
    data: dict[str, Any] = {
        **_common(subscription),
        "previousPlan": previous_plan,
        "newPlan": subscription.plan_id,
        "status": subscription.status,
        "changedBy": actor_id,
        "reason": reason,
        **_expires(subscription),
    }
    if charge is not None:
        data["amount"] = _amount(charge)
        data["currency"] = subscription.plan.currency
    publish("subscription.changed", data)


def publish_cancelled(subscription: Subscription, *, actor_id: str) -> None:
    publish(
        "subscription.cancelled",
        {
            **_common(subscription),
            "plan": subscription.plan_id,
            "cancelledBy": actor_id,
            "reason": subscription.cancel_reason or None,
            "effectiveAt": format_time(subscription.cancelled_at),
        },
    )


def publish_expired(subscription: Subscription) -> None:
    publish(
        "subscription.expired",
        {
            **_common(subscription),
            "plan": subscription.plan_id,
            "expiredAt": format_time(subscription.expired_at),
        },
    )


def _amount(charge: Decimal) -> str:
    return format_amount(charge.quantize(FOUR_PLACES))


def _common(subscription: Subscription) -> dict[str, Any]:
    return {
        "subscriptionId": str(subscription.id),
        "entityId": subscription.organization_id,
        "entityType": ENTITY_TYPE,
        "timestamp": format_time(utcnow()),
    }


def _expires(subscription: Subscription) -> dict[str, str]:
    ends_at: datetime | None = subscription.ends_at
    return {"expiresAt": format_time(ends_at)} if ends_at else {}
