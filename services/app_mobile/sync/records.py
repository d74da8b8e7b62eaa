"""Applying one change to a versioned record (customer, product, expense) or to a sale.

Versions make concurrent edits safe without locks held across requests: a client edits the
version it saw; the server applies the change only if that is still the current version (the
row is locked for the check, and the version moves by one), else answers ``conflict`` with
the server's version and payload so the client can merge and send a new operation.

A batch's records are read once, locked, into :class:`Changes`; items change them there, in
order, and :meth:`Changes.write` writes them back in two statements.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sales.serializers import SaleCreateSerializer
from sales.services import TransactionIdTaken, sale_record

from sync.models import DataType, Operation, SyncRecord
from sync.payloads import PAYLOADS
from sync.results import ItemResult, applied, conflict, duplicate, rejected
from sync.validation import Validators
from wanzo_common.idempotency import KeyReused


class Changes:
    """The records a batch touches, locked, keyed by (data type, record id); new and changed."""

    def __init__(self, organization_id: str, records: Iterable[SyncRecord]) -> None:
        self.organization_id = organization_id
        self.records = {(record.data_type, record.record_id): record for record in records}
        self.new: dict[tuple[str, uuid.UUID], SyncRecord] = {}
        self.changed: dict[tuple[str, uuid.UUID], SyncRecord] = {}

    @classmethod
    def locked(cls, organization_id: str, items: Iterable[dict[str, Any]]) -> Changes:
        """One ``SELECT ... FOR UPDATE`` of the records ``items`` name (none: no query)."""
        ids = {item["record_id"] for item in items
               if item["data_type"] != DataType.SALE and item["record_id"] is not None}  # fmt: skip
        if not ids:
            return cls(organization_id, [])
        rows = SyncRecord.objects.select_for_update().filter(
            organization_id=organization_id, record_id__in=ids
        )
        return cls(organization_id, rows)

    def get(self, data_type: str, record_id: uuid.UUID) -> SyncRecord | None:
        return self.records.get((data_type, record_id))

    def add(self, record: SyncRecord) -> None:
        key = (record.data_type, record.record_id)
        self.records[key] = self.new[key] = record

    def save(self, record: SyncRecord) -> None:
        key = (record.data_type, record.record_id)
        if key not in self.new:
            self.changed[key] = record

    def write(self, *, now: datetime) -> None:
        """One INSERT of the new records, one UPDATE of the changed ones (each if any)."""
        if self.new:
            SyncRecord.objects.bulk_create(self.new.values())
        if self.changed:
            for record in self.changed.values():
                record.updated_at = now  # bulk_update does not run auto_now
            SyncRecord.objects.bulk_update(
                self.changed.values(), ["version", "deleted", "payload", "updated_by", "updated_at"]
            )


def record_apply(
    *,
    organization_id: str,
    user_id: str,
    item: dict[str, Any],
    changes: Changes,
    validators: Validators,
) -> ItemResult:
    """Apply a validated item (see :class:`sync.serializers.SyncItemSerializer`) to ``changes``.

    ``validators``: the batch's serializers (see :mod:`sync.validation`).
    """
    if item["data_type"] == DataType.SALE:
        return _sale_apply(
            organization_id=organization_id, user_id=user_id, item=item, validators=validators
        )
    operation = item["operation"]
    if operation == Operation.CREATE:
        return _create(changes, user_id, item, validators)
    record = changes.get(item["data_type"], item["record_id"])
    if record is None:
        return rejected({"record_id": ["No such record."]}, record_id=str(item["record_id"]))
    if operation == Operation.DELETE and record.deleted:
        return duplicate(str(record.record_id), record.version)  # already gone: nothing to do
    if record.deleted or record.version != item["version"]:
        return _conflict(record)
    if operation == Operation.DELETE:
        return _save(changes, record, user_id, deleted=True, payload=record.payload)
    data, errors = _validate(validators, item["data_type"], {**record.payload, **item["payload"]})
    if errors:
        return rejected({"payload": errors}, record_id=str(record.record_id))
    return _save(changes, record, user_id, deleted=False, payload=data)


def _create(
    changes: Changes, user_id: str, item: dict[str, Any], validators: Validators
) -> ItemResult:
    record_id = item["record_id"] or uuid.uuid4()
    existing = changes.get(item["data_type"], record_id)
    if existing is not None:
        return _conflict(existing)
    data, errors = _validate(validators, item["data_type"], item["payload"])
    if errors:
        return rejected({"payload": errors}, record_id=str(record_id))
    record = SyncRecord(
        organization_id=changes.organization_id, data_type=item["data_type"],
        record_id=record_id, version=1, payload=data, created_by=user_id, updated_by=user_id,
    )  # fmt: skip
    changes.add(record)
    return applied(str(record.record_id), record.version)


def _save(
    changes: Changes, record: SyncRecord, user_id: str, *, deleted: bool, payload: dict
) -> ItemResult:
    record.version += 1
    record.deleted = deleted
    record.payload = payload
    record.updated_by = user_id
    changes.save(record)
    return applied(str(record.record_id), record.version)


def _conflict(record: SyncRecord) -> ItemResult:
    return conflict(
        str(record.record_id),
        version=record.version,
        deleted=record.deleted,
        payload=record.payload,
    )


def _validate(validators: Validators, data_type: str, payload: dict[str, Any]) -> tuple[dict, dict]:
    """The payload in its JSON form, or its field errors."""
    serializer_class = PAYLOADS[data_type]
    data, errors = validators.validate(serializer_class, payload)
    if errors:
        return {}, errors
    return validators.representation(serializer_class, data), {}


def _sale_apply(
    *, organization_id: str, user_id: str, item: dict[str, Any], validators: Validators
) -> ItemResult:
    """Sales are created only (a recorded sale is corrected by another sale, never edited)."""
    record_id = str(item["record_id"]) if item["record_id"] else None
    if item["operation"] != Operation.CREATE:
        message = "A recorded sale cannot be changed or deleted; record a new sale."
        return rejected({"operation": [message]}, record_id=record_id)
    payload = dict(item["payload"])
    if record_id:
        payload.setdefault("transaction_id", record_id)
    data, errors = validators.validate(SaleCreateSerializer, payload)
    if errors:
        return rejected({"payload": errors}, record_id=record_id)
    if record_id and str(data["transaction_id"]) != record_id:
        return rejected({"payload": {"transaction_id": ["Differs from record_id."]}}, record_id)
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
