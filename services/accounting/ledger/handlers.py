"""Events in: subscription charges and sales from the mobile app, booked by :mod:`bookings`.

Thin on purpose: each handler maps the payload onto a booking function. The consumer runs a
handler inside a database transaction and drops an event id it has already handled; the
bookings are idempotent by business key as well, so a sale sent twice under two event ids is
still booked once.
"""

from __future__ import annotations

import logging

from ledger.bookings import Sale, sales_book, subscription_charge_book
from ledger.errors import EntryRejected
from ledger.models import EntrySource
from wanzo_common.events import Event, RejectEvent, handler

logger = logging.getLogger(__name__)


@handler("transaction.created", batch=True)
def on_transactions_created(events: list[Event]) -> None:
    # Every sale of a run of the consumer's batch at once: a few statements for all of them.
    sales_book([
        Sale(
            organization_id=event.data["companyId"],
            transaction_id=event.data["transactionId"],
            amount=event.data["amount"],
            currency=event.data["currency"],
            transaction_date=event.data["transactionDate"],
            description=event.data.get("description", ""),
            user_id=event.data.get("userId", ""),
        )
        for event in events
    ])  # fmt: skip


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
