"""Events in: subscription charges and sales from the mobile app, booked by :mod:`bookings`.

Thin on purpose: each handler maps the payload onto a booking function. The consumer runs a
handler inside a database transaction and drops an event id it has already handled; the
bookings are idempotent by business key as well, so a sale sent twice under two event ids is
still booked once.
"""

from __future__ import annotations

import logging

from ledger.bookings import sale_book, subscription_charge_book
from ledger.errors import EntryRejected
from ledger.models import EntrySource
from wanzo_common.events import Event, RejectEvent, handler

logger = logging.getLogger(__name__)


@handler("transaction.created")
def on_transaction_created(event: Event) -> None:
    data = event.data
    sale_book(
        organization_id=data["companyId"],
        transaction_id=data["transactionId"],
        amount=data["amount"],
        currency=data["currency"],
        transaction_date=data["transactionDate"],
        description=data.get("description", ""),
        user_id=data.get("userId", ""),
    )


@handler("subscription.created")
def on_subscription_created(event: Event) -> None:
    # One charge per subscription: keyed by its id (the event id when the payload has none).
    _book_charge(event, EntrySource.SUBSCRIPTION_CREATED, event.data.get("plan", ""))


@handler("subscription.changed")
def on_subscription_changed(event: Event) -> None:
    # Every change of plan is a charge of its own: keyed by the event.
    _book_charge(event, EntrySource.SUBSCRIPTION_CHANGED, event.data.get("newPlan", ""))


def _book_charge(event: Event, source: str, plan: str) -> None:
    data = event.data
    reference = event.id
    if source == EntrySource.SUBSCRIPTION_CREATED:
        reference = data.get("subscriptionId") or event.id
    try:
        subscription_charge_book(
            organization_id=data["entityId"],
            source=source,
            reference=reference,
            amount=data.get("amount"),
            currency=data.get("currency"),
            plan=plan,
            date=event.time.date(),
            user_id=data.get("userId", ""),
        )
    except EntryRejected as refusal:
        logger.warning("%s not booked: %s", event.describe(), refusal.code)
        raise RejectEvent(refusal.message) from refusal
