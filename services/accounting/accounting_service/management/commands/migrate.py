"""``manage.py migrate`` as the tables' owner: the ``migrate`` database when it is configured.

The service connects as an application role that owns nothing (``ledger.privileges``); its
migrations must run as the owner, ``DATABASE_MIGRATE_URL``, which settings turn into the
``migrate`` alias. Without it (SQLite, CI's single superuser) this is Django's migrate.
"""

from django.conf import settings
from django.core.management.commands import migrate


class Command(migrate.Command):
    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        default = "migrate" if "migrate" in settings.DATABASES else "default"
        parser.set_defaults(database=default)
