"""Subscriptions' writes and their state machine.

    trial ──► active ◄──► past_due
      │         │            │
      └─────────┴────────────┴──► cancelled | expired   (both final)

Every change goes through :func:`_transition` (or is a plan change of a live subscription), is
refused with 409 and its reason when the machine does not allow it, and is published through
the outbox in the same transaction (see :mod:`subscriptions.events` for what carries a charge).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from admin_service.errors import Conflict
from directory.selectors import organization_exists
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError

from . import events
from .models import Plan, Subscription
from .models import SubscriptionStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.TRIAL: frozenset({S.ACTIVE, S.CANCELLED, S.EXPIRED}),
    S.ACTIVE: frozenset({S.PAST_DUE, S.CANCELLED, S.EXPIRED}),
    S.PAST_DUE: frozenset({S.ACTIVE, S.CANCELLED, S.EXPIRED}),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}


def subscription_create(
    *,
    organization_id: str,
    plan_code: str,
    actor_id: str,
    trial_days: int = 0,
    ends_at: datetime | None = None,
) -> Subscription:
    """Subscribe a known organisation to a plan: in trial for ``trial_days``, else active.

    A paid plan runs for its billing period unless ``ends_at`` says otherwise; the free plan
    is open-ended. An organisation with a live subscription changes plan instead (409).
    """
    if not organization_exists(organization_id=organization_id):
        raise ValidationError({"organization_id": ["No organisation with this id."]})
    plan = _plan(plan_code)
    now = timezone.now()
    if trial_days and plan.price == 0:
        raise ValidationError({"trial_days": ["The free plan has no trial."]})
    if trial_days:
        status, ends_at = S.TRIAL, now + timedelta(days=trial_days)
    else:
        status = S.ACTIVE
        if ends_at is None and plan.price > 0:
            ends_at = now + timedelta(days=plan.billing_period_days)
    if ends_at is not None and ends_at <= now:
        raise ValidationError({"ends_at": ["The end of a new subscription is in the future."]})
    if Subscription.objects.filter(organization_id=organization_id, status__in=_live()).exists():
        raise _already_subscribed()
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                organization_id=organization_id,
                plan=plan,
                status=status,
                started_at=now,
                ends_at=ends_at,
                created_by=actor_id,
            )
            charge = plan.price if status == S.ACTIVE else Decimal(0)
            events.publish_created(subscription, charge=charge, actor_id=actor_id)
    except IntegrityError:  # the partial unique index: a concurrent request won the race
        raise _already_subscribed() from None
    return subscription


def subscription_change_plan(
    *, subscription_id: UUID, plan_code: str, actor_id: str
) -> Subscription:
    """Move a live subscription to another plan; an active one is charged the new plan's price."""
    plan = _plan(plan_code)
    with transaction.atomic():
        subscription = _for_update(subscription_id)
        if not subscription.is_live:
            raise Conflict(
                f"A {subscription.status} subscription cannot change plan.", code="not_live"
            )
        if subscription.plan_id == plan.code:
            raise Conflict(
                f"The subscription is already on the {plan.code} plan.", code="same_plan"
            )
        previous = subscription.plan_id
        subscription.plan = plan
        if subscription.ends_at is None and plan.price > 0:
            subscription.ends_at = timezone.now() + timedelta(days=plan.billing_period_days)
        subscription.save(update_fields=["plan", "ends_at", "updated_at"])
        charge = plan.price if subscription.status == S.ACTIVE else Decimal(0)
        events.publish_changed(
            subscription, previous_plan=previous, charge=charge, actor_id=actor_id
        )
    return subscription


def subscription_activate(*, subscription_id: UUID, actor_id: str) -> Subscription:
    """End a trial (the first charge, a new period) or settle a past-due subscription."""
    with transaction.atomic():
        subscription = _for_update(subscription_id)
        was_trial = subscription.status == S.TRIAL
        _transition(subscription, S.ACTIVE)
        charge = None
        if was_trial:
            plan = subscription.plan
            subscription.ends_at = timezone.now() + timedelta(days=plan.billing_period_days)
            charge = plan.price
        subscription.save(update_fields=["status", "ends_at", "updated_at"])
        events.publish_changed(
            subscription, previous_plan=subscription.plan_id, charge=charge, actor_id=actor_id
        )
    return subscription


def subscription_mark_past_due(*, subscription_id: UUID, actor_id: str) -> Subscription:
    """An active subscription whose payment did not arrive."""
    with transaction.atomic():
        subscription = _for_update(subscription_id)
        _transition(subscription, S.PAST_DUE)
        subscription.save(update_fields=["status", "updated_at"])
        events.publish_changed(
            subscription,
            previous_plan=subscription.plan_id,
            charge=None,
            actor_id=actor_id,
            reason="payment overdue",
        )
    return subscription


def subscription_cancel(
    *, subscription_id: UUID, actor_id: str, reason: str | None = None
) -> Subscription:
    with transaction.atomic():
        subscription = _for_update(subscription_id)
        _transition(subscription, S.CANCELLED)
        subscription.cancelled_at = timezone.now()
        subscription.cancel_reason = reason or ""
        subscription.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        events.publish_cancelled(subscription, actor_id=actor_id)
    return subscription


def subscription_expire(*, subscription_id: UUID) -> Subscription:
    """End a live subscription now (an admin's decision, or its end date has passed)."""
    with transaction.atomic():
        subscription = _for_update(subscription_id)
        _transition(subscription, S.EXPIRED)
        subscription.expired_at = timezone.now()
        subscription.save(update_fields=["status", "expired_at", "updated_at"])
        events.publish_expired(subscription)
    return subscription


def subscriptions_expire_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Expire the live subscriptions whose end date has passed; returns how many.

    One transaction per subscription, each re-checked under its row lock: a subscription
    changed meanwhile (activated for a new period, cancelled) is left alone.
    """
    now = now or timezone.now()
    due = Subscription.objects.filter(status__in=_live(), ends_at__lte=now)
    expired = 0
    for subscription_id in due.values_list("id", flat=True)[:limit]:
        with transaction.atomic():
            subscription = _for_update(subscription_id)
            if (
                not subscription.is_live
                or subscription.ends_at is None
                or subscription.ends_at > now
            ):
                continue
            _transition(subscription, S.EXPIRED)
            subscription.expired_at = now
            subscription.save(update_fields=["status", "expired_at", "updated_at"])
            events.publish_expired(subscription)
            expired += 1
    return expired


def _transition(subscription: Subscription, to: str) -> None:
    """Move ``subscription`` to ``to`` (unsaved), or refuse with 409 and the reason."""
    if to not in TRANSITIONS[subscription.status]:
        allowed = ", ".join(sorted(TRANSITIONS[subscription.status])) or "none (final)"
        raise Conflict(
            f"A {subscription.status} subscription cannot become {to}; allowed: {allowed}.",
            code="illegal_transition",
        )
    subscription.status = to


def _for_update(subscription_id: UUID) -> Subscription:
    subscription = (
        # of=self: lock the subscription's row, not the plan shared by every subscriber.
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan")
        .filter(id=subscription_id)
        .first()
    )
    if subscription is None:
        raise NotFound("No such subscription.")
    return subscription


def _plan(code: str) -> Plan:
    plan = Plan.objects.filter(code=code, is_active=True).first()
    if plan is None:
        raise ValidationError({"plan": ["No active plan with this code."]})
    return plan


def _already_subscribed() -> Conflict:
    return Conflict(
        "The organisation already has a live subscription: change its plan instead.",
        code="already_subscribed",
    )


def _live() -> list[str]:
    return [S.TRIAL, S.ACTIVE, S.PAST_DUE]
