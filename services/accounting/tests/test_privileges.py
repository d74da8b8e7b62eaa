"""The two database roles' wiring: migrate runs on the owner's alias, grants only where they mean
something (the grants themselves are proven on PostgreSQL in test_database_rules.py)."""

from __future__ import annotations

import pytest
from accounting_service.management.commands.migrate import Command
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from ledger.privileges import app_role_grant


def migrate_default_alias() -> str:
    return Command().create_parser("manage.py", "migrate").parse_args([]).database


def test_migrate_uses_the_default_database_without_an_owner_url():
    assert "migrate" not in settings.DATABASES
    assert migrate_default_alias() == "default"


def test_migrate_runs_as_the_owner_when_the_migrate_database_is_configured(monkeypatch):
    monkeypatch.setitem(settings.DATABASES, "migrate", dict(settings.DATABASES["default"]))
    assert migrate_default_alias() == "migrate"


@pytest.mark.django_db
def test_nothing_is_granted_without_an_app_role(settings):
    settings.LEDGER_APP_ROLE = None
    assert app_role_grant() is False


@pytest.mark.django_db
def test_an_app_role_that_is_no_plain_name_is_refused(settings):
    if connection.vendor != "postgresql":
        assert app_role_grant(role="x; DROP TABLE ledger_account") is False  # no roles here
        return
    with pytest.raises(ImproperlyConfigured):
        app_role_grant(role="x; DROP TABLE ledger_account")
