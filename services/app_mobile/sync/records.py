"""Applying one change to a versioned record (customer, product, expense) or to a sale.

Versions make concurrent edits safe without locks held across requests: a client edits the
version it saw; the server applies the change only if that is still the current version (the
row is locked for the check, and the version moves by one), else answers ``conflict`` with
the server's version and payload so the client can merge and send a new operation.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from sales.serializers import SaleCreateSerializer
from sales.services import TransactionIdTaken, sale_record

from sync.models import Operation, SyncRecord
from sync.payloads import PAYLOADS
from sync.results import ItemResult, applied, conflict, duplicate, rejected
from wanzo_common.idempotency import KeyReused


def record_apply(*, organization_id: str, user_id: str, item: dict[str, Any]) -> ItemResult:
    """Apply a validated item (see :class:`sync.serializers.SyncItemSerializer`)."""
    if item["data_type"] == "sale":
        return _sale_apply(organization_id=organization_id, user_id=user_id, item=item)
    operation = item["operation"]
    if operation == Operation.CREATE:
        return _create(organization_id, user_id, item)
    record = (
        SyncRecord.objects.select_for_update()
        .filter(
            organization_id=organization_id,
            data_type=item["data_type"],
            record_id=item["record_id"],
        )
        .first()
    )
    if record is None:
        return rejected({"record_id": ["No such record."]}, record_id=str(item["record_id"]))
    if operation == Operation.DELETE and record.deleted:
        return duplicate(str(record.record_id), record.version)  # already gone: nothing to do
    if record.deleted or record.version != item["version"]:
        return _conflict(record)
    if operation == Operation.DELETE:
        return _save(record, user_id, deleted=True, payload=record.payload)
    data, errors = _validate(item["data_type"], {**record.payload, **item["payload"]})
    if errors:
        return rejected({"payload": errors}, record_id=str(record.record_id))
    return _save(record, user_id, deleted=False, payload=data)


def _create(organization_id: str, user_id: str, item: dict[str, Any]) -> ItemResult:
    record_id = item["record_id"] or uuid.uuid4()
    existing = SyncRecord.objects.filter(
        organization_id=organization_id, data_type=item["data_type"], record_id=record_id
    ).first()
    if existing is not None:
        return _conflict(existing)
    data, errors = _validate(item["data_type"], item["payload"])
    if errors:
        return rejected({"payload": errors}, record_id=str(record_id))
    try:
        with transaction.atomic():  # a savepoint: the batch goes on after a lost race
            record = SyncRecord.objects.create(
                organization_id=organization_id, data_type=item["data_type"],
                record_id=record_id, payload=data, created_by=user_id, updated_by=user_id,
            )  # fmt: skip
    except IntegrityError:  # created by a concurrent operation since the check above
        return _conflict(
            SyncRecord.objects.get(
                organization_id=organization_id, data_type=item["data_type"], record_id=record_id
            )
        )
    return applied(str(record.record_id), record.version)


def _save(record: SyncRecord, user_id: str, *, deleted: bool, payload: dict) -> ItemResult:
    record.version += 1
    record.deleted = deleted
    record.payload = payload
    record.updated_by = user_id
    record.save(update_fields=["version", "deleted", "payload", "updated_by", "updated_at"])
    return applied(str(record.record_id), record.version)


def _conflict(record: SyncRecord) -> ItemResult:
    return conflict(
        str(record.record_id),
        version=record.version,
        deleted=record.deleted,
        payload=record.payload,
    )


def _validate(data_type: str, payload: dict[str, Any]) -> tuple[dict, dict]:
    serializer = PAYLOADS[data_type](data=payload)
    if not serializer.is_valid():
        return {}, serializer.errors
    return dict(serializer.data), {}


def _sale_apply(*, organization_id: str, user_id: str, item: dict[str, Any]) -> ItemResult:
    """Sales are created only (a recorded sale is corrected by another sale, never edited)."""
    record_id = str(item["record_id"]) if item["record_id"] else None
    if item["operation"] != Operation.CREATE:
        message = "A recorded sale cannot be changed or deleted; record a new sale."
        return rejected({"operation": [message]}, record_id=record_id)
    payload = dict(item["payload"])
    if record_id:
        payload.setdefault("transaction_id", record_id)
    incoming = SaleCreateSerializer(data=payload)
    if not incoming.is_valid():
        return rejected({"payload": incoming.errors}, record_id=record_id)
    if record_id and str(incoming.validated_data["transaction_id"]) != record_id:
        return rejected({"payload": {"transaction_id": ["Differs from record_id."]}}, record_id)
    data = incoming.validated_data
    try:
        sale, created = sale_record(organization_id=organization_id, user_id=user_id, **data)
    except TransactionIdTaken:
        errors = {"payload": {"transaction_id": ["This transaction id is already used."]}}
        return rejected(errors, record_id=str(data["transaction_id"]))
    except KeyReused as reused:
        errors = {"payload": {"transaction_id": [reused.message]}}
        return rejected(errors, record_id=str(data["transaction_id"]))
    transaction_id = str(sale.transaction_id)
    return applied(transaction_id, 1) if created else duplicate(transaction_id, 1)
