"""Reads of plans and subscriptions, limited to what the asking user may see.

Internal users see every subscription; an organisation's users see their own organisation's
only, and another organisation's subscription is simply not found (404, never 403).
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from wanzo_common.api.permissions import scoped

from .models import LIVE_STATUSES, Plan, Subscription


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.filter(is_active=True).order_by("price", "code")


def subscription_visible_to(user) -> QuerySet[Subscription]:
    subscriptions = Subscription.objects.select_related("plan")
    if getattr(user, "is_internal", False):
        return subscriptions
    return scoped(subscriptions, user)


def subscription_list(
    *,
    user,
    organization_id: str | None = None,
    status: str | None = None,
    plan: str | None = None,
) -> QuerySet[Subscription]:
    subscriptions = subscription_visible_to(user)
    if organization_id:
        subscriptions = subscriptions.filter(organization_id=organization_id)
    if status:
        subscriptions = subscriptions.filter(status=status)
    if plan:
        subscriptions = subscriptions.filter(plan_id=plan)
    return subscriptions.order_by("-created_at", "id")


def subscription_get(*, user, subscription_id: UUID) -> Subscription | None:
    return subscription_visible_to(user).filter(id=subscription_id).first()


def subscription_current(*, user) -> Subscription | None:
    """The user's organisation's live subscription, else its latest one."""
    subscriptions = subscription_visible_to(user).filter(organization_id=user.organization_id)
    live = subscriptions.filter(status__in=list(LIVE_STATUSES)).first()
    return live or subscriptions.order_by("-created_at", "id").first()
