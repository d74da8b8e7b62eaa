"""Writes: apply a sync batch, each item exactly once, in one transaction.

A batch is read, applied and written in bulk: one read of the operation ids already processed
(they answer ``duplicate`` with the stored result and change nothing), one locking read of the
records the batch touches, the items applied in order to those rows in memory (a later item
sees what an earlier one did), then one INSERT of the new records, one UPDATE of the changed
ones and one INSERT of the operations with their answers. Sales go through the sales service,
with its own statements. Every item moves ``sync_operations_total`` once.

An operation id already processed for a *different* operation (its fingerprint, a hash of the
item as sent, differs) answers ``rejected`` with an error on ``id``, and the stored answer stays
untold (ADR 0015).

Races end in a retry, never in a wrong answer: the operation ids are unique per organisation
and the records per (organisation, type, id), so a concurrent request that processed one of
the batch's operation ids, or created one of its records, makes the batch's INSERT fail; the
transaction rolls back and the batch runs again, and now sees that request's committed rows
(a ``duplicate``, a create's ``conflict``). A failed attempt leaves nothing behind.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from app_mobile_service.metrics import SYNC_OPERATIONS
from django.db import IntegrityError, transaction
from django.utils import timezone

from sync.models import DataType, Operation, Status, SyncOperation
from sync.records import Changes, record_apply
from sync.results import rejected
from sync.serializers import SyncItemSerializer
from sync.validation import Validators
from wanzo_common.idempotency import fingerprint, matches

SYNC_TYPE = "batch"
ATTEMPTS = 3  # a race needs a concurrent request on the same ids; three in a row is a bug


@dataclass
class _Item:
    """One item as read from the batch: its id, what it claims to be, and its validation."""

    index: int
    client_id: uuid.UUID | None
    data_type: str | None
    operation: str | None
    item: dict[str, Any]
    invalid: dict[str, Any] | None  # the stored answer of an invalid item
    fingerprint: str  # the item as sent: an id reused for another operation is refused


def sync_batch_apply(
    *, organization_id: str, user_id: str, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """Apply ``items`` in order; returns ``{"results": [...], "summary": {status: count}}``.

    The answer is plain JSON already, in the shape ``SyncBatchResultSerializer`` documents: the
    view sends it as it is (a nested serializer per request only copied it).
    """
    validators = Validators()
    read = [_read(index, raw, validators) for index, raw in enumerate(items)]
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                answers = _apply(organization_id, user_id, read, validators)
            break
        except IntegrityError:  # a concurrent request won a race on an id: see the module doc
            if attempt == ATTEMPTS:
                raise
    results = [_result(item, answer) for item, answer in zip(read, answers, strict=True)]
    labels = Counter((result["status"], result["data_type"] or "unknown") for result in results)
    for (status, data_type), count in labels.items():
        SYNC_OPERATIONS.labels(sync_type=SYNC_TYPE, status=status, data_type=data_type).inc(count)
    summary = Counter(result["status"] for result in results)
    return {"results": results, "summary": {status: summary[status] for status in Status.values}}


def _read(index: int, raw: dict[str, Any], validators: Validators) -> _Item:
    item, errors = validators.validate(SyncItemSerializer, raw)
    return _Item(
        index=index,
        client_id=_client_id(raw.get("id")),
        data_type=raw.get("data_type") if raw.get("data_type") in DataType.values else None,
        operation=raw.get("operation") if raw.get("operation") in Operation.values else None,
        item=item,
        invalid=rejected(errors).as_dict() if errors else None,
        fingerprint=fingerprint(raw),
    )


def _apply(
    organization_id: str, user_id: str, items: list[_Item], validators: Validators
) -> list[dict[str, Any]]:
    """Each item's answer, its effects written; inside the batch's transaction."""
    ids = {item.client_id for item in items if item.client_id is not None}
    done = {
        operation.client_id: operation
        for operation in SyncOperation.objects.filter(
            organization_id=organization_id, client_id__in=ids
        ).only("client_id", "result", "fingerprint")
    } if ids else {}  # fmt: skip
    fresh = [item for item in items if item.client_id is not None and item.client_id not in done]
    changes = Changes.locked(organization_id, [item.item for item in fresh if not item.invalid])
    answers: list[dict[str, Any]] = []
    claims: dict[uuid.UUID, SyncOperation] = {}
    for item in items:
        if item.client_id is None:  # nothing to remember it by: answered, not stored
            answers.append(
                item.invalid or rejected({"id": ["A valid UUID is required."]}).as_dict()
            )
        elif item.client_id in done:
            answers.append(_replay(done[item.client_id], item.fingerprint))
        elif item.client_id in claims:  # the same id earlier in this batch
            answers.append(_replay(claims[item.client_id], item.fingerprint))
        else:
            answer = (
                item.invalid
                or record_apply(
                    organization_id=organization_id,
                    user_id=user_id,
                    item=item.item,
                    changes=changes,
                    validators=validators,
                ).as_dict()
            )
            claims[item.client_id] = _claim(organization_id, user_id, item, answer)
            answers.append(answer)
    changes.write(now=timezone.now())
    SyncOperation.objects.bulk_create(claims.values())
    return answers


def _claim(organization_id: str, user_id: str, item: _Item, answer: dict) -> SyncOperation:
    return SyncOperation(
        organization_id=organization_id, client_id=item.client_id, user_id=user_id,
        data_type=item.data_type or "", operation=item.operation or "", status=answer["status"],
        result=answer, client_timestamp=item.item.get("client_timestamp"),
        fingerprint=item.fingerprint,
    )  # fmt: skip


def _result(item: _Item, answer: dict[str, Any]) -> dict[str, Any]:
    """The item's result, plain JSON in :class:`sync.serializers.SyncResultSerializer`'s shape."""
    return {
        "index": item.index,
        "id": str(item.client_id) if item.client_id else None,
        "status": answer["status"],
        "original_status": answer.get("original_status"),
        "data_type": item.data_type,
        "operation": item.operation,
        "record_id": answer["record_id"],
        "version": answer["version"],
        "errors": answer["errors"],
        "server": answer["server"],
    }


def _replay(operation: SyncOperation, request: str) -> dict[str, Any]:
    if not matches(operation.fingerprint, request):
        # The id names another operation: refused, and the stored answer stays untold.
        message = "This operation id was used for a different operation; use a new id."
        return {**rejected({"id": [message]}).as_dict(), "original_status": None}
    stored = dict(operation.result)
    stored.setdefault("record_id", None)
    stored.setdefault("version", None)
    stored.setdefault("errors", {})
    stored.setdefault("server", None)
    original = stored.get("status")
    stored["status"] = Status.DUPLICATE
    return {**stored, "original_status": original}


def _client_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None
