"""What the service's own database role may do: read and append, never own, alter or truncate.

On PostgreSQL the service connects as an application role (``DATABASE_URL``) that does not own
the tables; migrations run as the owner (``DATABASE_MIGRATE_URL``, the ``migrate`` database
alias). Triggers and constraints hold the ledger's rules, but an owner can drop a trigger,
and TRUNCATE fires no row trigger at all: only a role without those rights makes the rules
binding for code that bypasses :mod:`ledger.services`. After every ``migrate`` the owner grants
the application role (``LEDGER_APP_ROLE``) what the service needs, table by table:

- every table: SELECT, INSERT, UPDATE, DELETE (outbox, sessions, Django's own tables);
- the ledger's entries and lines: SELECT and INSERT only (append-only books), and UPDATE of
  one entry column, which a row lock needs (the append-only trigger refuses the update);
- accounts and period locks: no DELETE; ``django_migrations``: SELECT only;
- sequences: USAGE and SELECT. TRUNCATE, REFERENCES and TRIGGER are never granted.

SQLite has no roles: there nothing is granted (``make up``, the default test run).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction

TAKEN_BACK = {
    "ledger_journalentry": "UPDATE, DELETE",  # append-only books
    "ledger_journalline": "UPDATE, DELETE",
    "ledger_account": "DELETE",
    "ledger_periodlock": "DELETE",
    "django_migrations": "INSERT, UPDATE, DELETE",
}
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def app_role_grant(*, using: str = "default", role: str | None = None) -> bool:
    """Grant ``role`` (default ``LEDGER_APP_ROLE``) its rights on ``using``; False: nothing to do."""
    role = role or getattr(settings, "LEDGER_APP_ROLE", None)
    connection = connections[using]
    if not role or connection.vendor != "postgresql":
        return False
    if not ROLE_NAME.fullmatch(role):
        raise ImproperlyConfigured(f"LEDGER_APP_ROLE {role!r} is not a plain role name.")
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in _statements(set(connection.introspection.table_names(cursor))):
            cursor.execute(statement.format(role=connection.ops.quote_name(role)))
    return True


def grant_after_migrate(*, using: str, **kwargs) -> None:
    """``post_migrate`` receiver: the grants follow every migration (new tables included)."""
    app_role_grant(using=using)


def _statements(tables: set[str]) -> list[str]:
    """The grants, then what is taken back from the tables that exist (a migration backwards
    may have dropped some)."""
    statements = [
        "GRANT USAGE ON SCHEMA public TO {role}",
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    for table, rights in TAKEN_BACK.items():
        if table in tables:
            statements.append(f"REVOKE {rights} ON {table} FROM {{role}}")
    if "ledger_journalentry" in tables:
        # SELECT ... FOR UPDATE (entry_reverse's lock) needs UPDATE on one column; the
        # append-only trigger still refuses any update.
        statements.append("GRANT UPDATE (status) ON ledger_journalentry TO {role}")
    return statements
