"""Events in: accounting's answers for sales (``transaction.completed`` / ``.failed``).

Batch handlers (``batch=True``): a consumer's run of answers is settled with a few bulk
statements (``sales_settle``), not a few per answer.
"""

from __future__ import annotations

from sales.services import Answer, sales_settle
from wanzo_common.events import handler


@handler("transaction.completed", batch=True)
def on_transactions_completed(events) -> None:
    sales_settle(answers=[
        Answer(transaction_id=event.data["transactionId"], succeeded=True, event_id=event.id)
        for event in events
    ])  # fmt: skip


@handler("transaction.failed", batch=True)
def on_transactions_failed(events) -> None:
    sales_settle(answers=[
        Answer(
            transaction_id=event.data["transactionId"],
            succeeded=False,
            reason=event.data.get("reason") or "",
            event_id=event.id,
        )
        for event in events
    ])  # fmt: skip
