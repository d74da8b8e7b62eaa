"""Changing a configuration section: validated as a whole, audited, counted.

A PATCH names some settings of a section; the result (stored values with the change over
them) is validated by the section's serializer as a whole, so rules across fields hold whatever
was patched. Only a real change writes: the stored values, one audit row with the changed keys'
old and new values, and ``configuration_changes_total{section}``.
"""

from __future__ import annotations

from typing import Any

from admin_service.metrics import CONFIGURATION_CHANGES
from django.db import transaction

from .models import ConfigurationChange, ConfigurationSection
from .sections import SECTIONS
from .selectors import merge_stored


def configuration_update(*, section: str, changes: dict[str, Any], actor_id: str) -> dict[str, Any]:
    """Apply ``changes`` (already field-validated) to ``section``; returns its new values.

    Raises DRF's ``ValidationError`` (400, by field) when the section as a whole is invalid.
    """
    with transaction.atomic():
        row, _ = ConfigurationSection.objects.select_for_update().get_or_create(section=section)
        old = merge_stored(section, row.values)
        new = _validated(section, {**old, **changes})
        changed = sorted(key for key in new if new[key] != old.get(key))
        if not changed:
            return old
        row.values, row.updated_by = new, actor_id
        row.save(update_fields=["values", "updated_by", "updated_at"])
        ConfigurationChange.objects.create(
            section=section,
            changed_by=actor_id,
            old_values={key: old.get(key) for key in changed},
            new_values={key: new[key] for key in changed},
        )
    CONFIGURATION_CHANGES.labels(section=section).inc()
    return new


def _validated(section: str, values: dict[str, Any]) -> dict[str, Any]:
    serializer = SECTIONS[section](data=values)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
