"""Writes: record a sale (and publish ``transaction.created`` with it), settle it.

Recording is idempotent by the phone's transaction id: the same id from the same organisation
returns the sale already recorded (``created`` false) and publishes nothing; the same id from
another organisation is refused. Settling happens once, for a consumer's batch of answers at
once; a second answer for a settled sale changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date
from decimal import Decimal

from devices.services import member_record
from django.db import IntegrityError, transaction
from django.utils import timezone
from push.models import NotificationType, Priority
from push.services import Draft, notifications_send

from sales.models import Sale, SaleStatus
from wanzo_common import idempotency
from wanzo_common.events import publish
from wanzo_common.money import format_amount

logger = logging.getLogger(__name__)


class TransactionIdTaken(Exception):
    """The transaction id is already another organisation's sale."""


def sale_record(
    *,
    organization_id: str,
    user_id: str,
    transaction_id: uuid.UUID,
    amount: Decimal,
    currency: str,
    category: str,
    date: Date,
    description: str = "",
) -> tuple[Sale, bool]:
    """Record the sale and publish ``transaction.created`` in one transaction.

    The INSERT comes first: a new sale (the common case) costs no read; an id already recorded
    (a phone's retry, or a concurrent request) fails on the unique key and is then read. The same
    transaction id again returns the recorded sale if it is the same sale, and raises
    :class:`wanzo_common.idempotency.KeyReused` (422) if it is another one.
    """
    fingerprint = idempotency.fingerprint({
        "amount": amount, "currency": currency, "category": category, "date": date,
        "description": description,
    })  # fmt: skip
    try:
        with transaction.atomic():
            sale = Sale.objects.create(
                transaction_id=transaction_id, organization_id=organization_id, user_id=user_id,
                amount=amount, currency=currency, category=category, description=description,
                date=date, fingerprint=fingerprint,
            )  # fmt: skip
            member_record(user_id=user_id, organization_id=organization_id)
            publish("transaction.created", _created_payload(sale))
    except IntegrityError:  # the id is recorded already (earlier, or concurrently)
        existing = _existing(transaction_id=transaction_id, organization_id=organization_id)
        if existing is None:
            raise
        return _same_sale(existing, fingerprint), False
    return sale, True


@dataclass(frozen=True)
class Answer:
    """Accounting's answer for a transaction (``transaction.completed`` / ``.failed``)."""

    transaction_id: str
    succeeded: bool
    event_id: str
    reason: str = ""


@transaction.atomic(savepoint=False)  # nothing caught inside: a savepoint would only cost
def sales_settle(*, answers: Sequence[Answer]) -> list[Sale]:
    """Complete or fail the answered sales and tell their users; returns the sales settled now.

    A consumer's run of answers costs a constant number of statements: one locking read of the
    sales, one UPDATE, the notifications' reads and INSERT (``push.services.notifications_send``).
    The answers apply in order: the first settles a pending sale, a later one for the same sale
    changes nothing (logged if it contradicts). A transaction id that is not a sale's (another
    service's transaction, a subscription charge) is ignored.
    """
    sales = _locked_sales(answers)
    settled: list[tuple[Sale, str]] = []
    now = timezone.now()
    for answer in answers:
        sale = sales.get(_uuid(answer.transaction_id))
        if sale is None:
            continue
        status = SaleStatus.COMPLETED if answer.succeeded else SaleStatus.FAILED
        if sale.status != SaleStatus.PENDING:
            if sale.status != status:
                logger.warning("contradictory answer for settled sale id=%s", sale.pk)
            continue
        sale.status = status
        sale.failure_reason = "" if answer.succeeded else answer.reason[:500]
        sale.settled_at = now
        settled.append((sale, answer.event_id))
    if settled:
        Sale.objects.bulk_update(
            [sale for sale, _ in settled], ["status", "failure_reason", "settled_at"]
        )
        notifications_send(drafts=[_settled_notice(sale, event_id) for sale, event_id in settled])
    return [sale for sale, _ in settled]


def _locked_sales(answers: Sequence[Answer]) -> dict[uuid.UUID, Sale]:
    """The answered sales, locked (in id order: two consumers never wait on each other crosswise)."""
    keys = {key for answer in answers if (key := _uuid(answer.transaction_id)) is not None}
    if not keys:
        return {}
    locked = Sale.objects.select_for_update().filter(transaction_id__in=keys).order_by("pk")
    return {sale.transaction_id: sale for sale in locked}


def _uuid(transaction_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(transaction_id))
    except ValueError:
        return None  # another service's transaction (a subscription charge): not ours


def _existing(*, transaction_id: uuid.UUID, organization_id: str) -> Sale | None:
    sale = Sale.objects.filter(transaction_id=transaction_id).first()
    if sale is not None and sale.organization_id != organization_id:
        raise TransactionIdTaken(str(transaction_id))
    return sale


def _same_sale(sale: Sale, fingerprint: str) -> Sale:
    if not idempotency.matches(sale.fingerprint, fingerprint):
        raise idempotency.KeyReused(
            f"The transaction id {sale.transaction_id} was used for a different sale; "
            "a new sale needs a new transaction id.",
            field="transaction_id",
        )
    return sale


def _created_payload(sale: Sale) -> dict:
    return {
        "transactionId": str(sale.transaction_id),
        "companyId": sale.organization_id,
        "userId": sale.user_id,
        "amount": format_amount(Decimal(sale.amount)),
        "currency": sale.currency,
        "category": sale.category,
        "description": sale.description,
        "transactionDate": f"{sale.date.isoformat()}T00:00:00Z",
        "timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _settled_notice(sale: Sale, event_id: str) -> Draft:
    shown = f"{format_amount(Decimal(sale.amount).normalize())} {sale.currency}"
    completed = sale.status == SaleStatus.COMPLETED
    return Draft(
        user_id=sale.user_id,
        organization_id=sale.organization_id,
        notification_type=NotificationType.TRANSACTION,
        priority=Priority.NORMAL if completed else Priority.HIGH,
        title="Sale recorded" if completed else "Sale not recorded",
        body=f"Your sale of {shown} was booked."
        if completed
        else f"Your sale of {shown} could not be booked.",
        data={"transactionId": str(sale.transaction_id), "status": sale.status},
        event_id=event_id,
    )
