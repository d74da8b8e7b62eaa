"""Events in: accounting's answer for a sale (``transaction.completed`` / ``.failed``)."""

from __future__ import annotations

from sales.services import sale_settle
from wanzo_common.events import handler


@handler("transaction.completed")
def on_transaction_completed(event) -> None:
    sale_settle(transaction_id=event.data["transactionId"], succeeded=True, event_id=event.id)


@handler("transaction.failed")
def on_transaction_failed(event) -> None:
    sale_settle(
        transaction_id=event.data["transactionId"],
        succeeded=False,
        reason=event.data.get("reason") or "",
        event_id=event.id,
    )
