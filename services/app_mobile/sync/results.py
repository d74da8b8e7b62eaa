"""One item's outcome, as the client reads it and as it is stored for a replay."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sync.models import Status


@dataclass
class ItemResult:
    status: str
    record_id: str | None = None
    version: int | None = None
    errors: dict[str, Any] = field(default_factory=dict)
    server: dict[str, Any] | None = None  # the record as the server has it (conflicts)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def applied(record_id: str, version: int) -> ItemResult:
    return ItemResult(Status.APPLIED, record_id=record_id, version=version)


def rejected(errors: Any, record_id: str | None = None) -> ItemResult:
    return ItemResult(Status.REJECTED, record_id=record_id, errors=plain_errors(errors))


def plain_errors(errors: Any) -> Any:
    """DRF's errors as plain JSON, safe to store and replay.

    Its messages may quote the input: a NUL character (which PostgreSQL's jsonb refuses) or
    a megabyte of text. Both are cut here.
    """
    if isinstance(errors, dict):
        return {_text(key, 100): plain_errors(value) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [plain_errors(value) for value in errors]
    return _text(errors, 300)


def _text(value: Any, limit: int) -> str:
    return str(value).replace("\x00", "")[:limit]


def conflict(record_id: str, *, version: int, deleted: bool, payload: dict) -> ItemResult:
    server = {"version": version, "deleted": deleted, "payload": payload}
    return ItemResult(
        Status.CONFLICT,
        record_id=record_id,
        version=version,
        errors={"version": ["The record changed on the server since this version."]},
        server=server,
    )


def duplicate(record_id: str, version: int | None = None) -> ItemResult:
    return ItemResult(Status.DUPLICATE, record_id=record_id, version=version)
