"""Committed JSON Schema snapshots of every event type, and the compatibility rule they guard.

``python -m wanzo_common.events.schemas --write`` writes ``<type>.v<version>.json`` next to this
file for every registered type. A test compares each type with its snapshot: adding an optional
field is fine (``--write`` then refreshes the snapshot), but removing a field, changing a field's
validation (type, enum, pattern, format, bounds...), or requiring a field that was optional or
new would break a producer or a consumer on the other side of a rolling deploy. Such a change
needs a new version (a new snapshot file), and ``--write`` refuses to overwrite without
``--force``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wanzo_common.events.types import REGISTRY, EventType

DIRECTORY = Path(__file__).resolve().parent
# Keywords that document a schema without changing what it accepts.
ANNOTATIONS = frozenset({"description", "title", "$comment", "examples", "$schema", "$id"})


def snapshot_path(event_type: EventType) -> Path:
    return DIRECTORY / f"{event_type.name}.v{event_type.version}.json"


def render(event_type: EventType) -> str:
    return json.dumps(event_type.schema, indent=2, sort_keys=True) + "\n"


def load(event_type: EventType) -> dict[str, Any] | None:
    path = snapshot_path(event_type)
    return json.loads(path.read_text()) if path.exists() else None


def breaking_changes(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """Why ``new`` cannot replace ``old`` under the same version (empty list: compatible)."""
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, old_field in old_props.items():
        where = f"{path}{name}"
        if name not in new_props:
            problems.append(f"{where}: field removed")
        else:
            problems += breaking_changes(old_field, new_props[name], f"{where}.")
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(new_required - old_required):
        problems.append(f"{path}{name}: field is now required")
    problems += _keyword_changes(old, new, path)
    return problems


def _keyword_changes(old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
    problems = []
    handled = ANNOTATIONS | {"properties", "required"}
    for keyword in sorted((set(old) | set(new)) - handled):
        if (
            keyword == "items"
            and isinstance(old.get(keyword), dict)
            and isinstance(new.get(keyword), dict)
        ):
            problems += breaking_changes(old["items"], new["items"], f"{path.rstrip('.')}[].")
        elif old.get(keyword) != new.get(keyword):
            where = path.rstrip(".") or "(payload)"
            problems.append(
                f"{where}: '{keyword}' changed ({old.get(keyword)!r} -> {new.get(keyword)!r})"
            )
    return problems


def check_all() -> dict[str, list[str]]:
    """Problems per type: breaking changes, or a missing snapshot."""
    report: dict[str, list[str]] = {}
    for name, event_type in sorted(REGISTRY.items()):
        snapshot = load(event_type)
        if snapshot is None:
            report[name] = [f"no snapshot {snapshot_path(event_type).name}; run --write"]
            continue
        problems = breaking_changes(snapshot, event_type.schema)
        if problems:
            report[name] = problems
    return report


def write_all(*, force: bool = False) -> tuple[list[str], dict[str, list[str]]]:
    """Write snapshots that are new or compatibly changed; return (written, refused)."""
    written, refused = [], {}
    for name, event_type in sorted(REGISTRY.items()):
        snapshot = load(event_type)
        problems = breaking_changes(snapshot, event_type.schema) if snapshot else []
        if problems and not force:
            refused[name] = problems
            continue
        text = render(event_type)
        path = snapshot_path(event_type)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(path.name)
    return written, refused
