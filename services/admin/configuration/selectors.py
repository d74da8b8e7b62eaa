"""Reads of the configuration: a section's effective values, and the audit trail."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import ConfigurationChange, ConfigurationSection
from .sections import SECTIONS, section_defaults


def configuration_get(*, section: str) -> dict[str, Any]:
    """The section's values: what was set, over the defaults (unknown stored keys dropped)."""
    row = ConfigurationSection.objects.filter(section=section).first()
    return merge_stored(section, row.values if row else {})


def configuration_all() -> dict[str, dict[str, Any]]:
    stored = {row.section: row.values for row in ConfigurationSection.objects.all()}
    return {section: merge_stored(section, stored.get(section, {})) for section in SECTIONS}


def configuration_change_list(*, section: str | None = None) -> QuerySet[ConfigurationChange]:
    changes = ConfigurationChange.objects.all()
    if section:
        changes = changes.filter(section=section)
    return changes.order_by("-changed_at", "id")


def merge_stored(section: str, stored: dict[str, Any]) -> dict[str, Any]:
    values = section_defaults(section)
    values.update({key: value for key, value in stored.items() if key in values})
    return values
