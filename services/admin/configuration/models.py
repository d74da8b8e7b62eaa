"""Stored configuration sections and the audit trail of their changes.

A section's row holds only what was set; reading merges it over the section's defaults
(:mod:`configuration.sections`), so a setting added later has its default without a migration.
"""

from __future__ import annotations

import uuid

from django.db import models
from django_prometheus.models import ExportModelOperationsMixin


class ConfigurationSection(ExportModelOperationsMixin("configuration_section"), models.Model):
    section = models.CharField(primary_key=True, max_length=50)
    values = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"ConfigurationSection {self.section}"


class ConfigurationChange(ExportModelOperationsMixin("configuration_change"), models.Model):
    """Who changed which settings of a section, when, from what to what (changed keys only)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    section = models.CharField(max_length=50, db_index=True)
    changed_by = models.CharField(max_length=200)
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    old_values = models.JSONField()
    new_values = models.JSONField()

    class Meta:
        ordering = ["-changed_at", "id"]

    def __str__(self) -> str:
        return f"ConfigurationChange {self.id} ({self.section})"
