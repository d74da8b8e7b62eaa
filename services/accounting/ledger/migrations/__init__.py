"""The ledger's migrations; :class:`PostgreSQLOnly` runs the database's own rules (0002, 0004)."""

from django.db import migrations


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL applied on PostgreSQL only (``connection.vendor``); a no-op elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
