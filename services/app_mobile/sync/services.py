"""Writes: apply a sync batch, item by item, each exactly once.

Each item runs in its own savepoint: the operation id is claimed first (a unique row per
organisation and client id), then the change is applied and the claim stores the answer.
An id already claimed, earlier or by a concurrent request, answers ``duplicate`` with the
stored result, and changes nothing; an id claimed by a *different* operation (its fingerprint,
a hash of the item as sent, differs) answers ``rejected`` with an error on ``id``.
Every item moves ``sync_operations_total`` once.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from app_mobile_service.metrics import SYNC_OPERATIONS
from django.db import IntegrityError, transaction

from sync.models import DataType, Operation, Status, SyncOperation
from sync.records import record_apply
from sync.results import ItemResult, rejected
from sync.serializers import SyncItemSerializer
from wanzo_common.idempotency import fingerprint, matches

SYNC_TYPE = "batch"


def sync_batch_apply(
    *, organization_id: str, user_id: str, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """Apply ``items`` in order; returns ``{"results": [...], "summary": {status: count}}``."""
    results = [
        sync_item_apply(organization_id=organization_id, user_id=user_id, raw=raw, index=index)
        for index, raw in enumerate(items)
    ]
    summary = Counter(result["status"] for result in results)
    return {"results": results, "summary": {status: summary[status] for status in Status.values}}


def sync_item_apply(
    *, organization_id: str, user_id: str, raw: dict[str, Any], index: int = 0
) -> dict[str, Any]:
    serializer = SyncItemSerializer(data=raw)
    valid = serializer.is_valid()
    item = serializer.validated_data if valid else {}
    client_id = _client_id(raw.get("id"))
    data_type = raw.get("data_type") if raw.get("data_type") in DataType.values else None
    operation = raw.get("operation") if raw.get("operation") in Operation.values else None
    answer: dict[str, Any]
    if client_id is None:  # nothing to remember it by: answered, not stored
        answer = rejected(serializer.errors).as_dict()
    else:
        with transaction.atomic():
            answer = _claim_and_apply(
                organization_id, user_id, client_id, data_type, operation, item,
                rejected(serializer.errors) if not valid else None, fingerprint(raw),
            )  # fmt: skip
    SYNC_OPERATIONS.labels(
        sync_type=SYNC_TYPE, status=answer["status"], data_type=data_type or "unknown"
    ).inc()
    return {
        "index": index,
        "id": str(client_id) if client_id else None,
        "data_type": data_type,
        "operation": operation,
        "original_status": None,
        **answer,
    }


def _claim_and_apply(
    organization_id: str,
    user_id: str,
    client_id: uuid.UUID,
    data_type: str | None,
    operation: str | None,
    item: dict[str, Any],
    invalid: ItemResult | None,
    request: str,
) -> dict[str, Any]:
    previous = SyncOperation.objects.filter(organization_id=organization_id, client_id=client_id)
    if previous.exists():
        return _replay(previous.first(), request)
    try:
        with transaction.atomic():
            claim = SyncOperation.objects.create(
                organization_id=organization_id, client_id=client_id, user_id=user_id,
                data_type=data_type or "", operation=operation or "", status=Status.REJECTED,
                client_timestamp=item.get("client_timestamp"), fingerprint=request,
            )  # fmt: skip
    except IntegrityError:  # claimed by a concurrent request meanwhile
        return _replay(previous.first(), request)
    result = invalid or record_apply(organization_id=organization_id, user_id=user_id, item=item)
    claim.status = result.status
    claim.result = result.as_dict()
    claim.save(update_fields=["status", "result"])
    return claim.result


def _replay(operation: SyncOperation | None, request: str) -> dict[str, Any]:
    if operation is not None and not matches(operation.fingerprint, request):
        # The id names another operation: refused, and the stored answer stays untold.
        message = "This operation id was used for a different operation; use a new id."
        return {**rejected({"id": [message]}).as_dict(), "original_status": None}
    stored = dict(operation.result) if operation is not None else {}
    stored.setdefault("record_id", None)
    stored.setdefault("version", None)
    stored.setdefault("errors", {})
    stored.setdefault("server", None)
    original = stored.get("status") if operation is not None else None
    stored["status"] = Status.DUPLICATE
    return {**stored, "original_status": original}


def _client_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None
