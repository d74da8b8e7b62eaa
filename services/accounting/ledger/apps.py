from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LedgerConfig(AppConfig):
    name = "ledger"
    label = "ledger"
    verbose_name = "Ledger (double-entry journal)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ledger.privileges import grant_after_migrate

        post_migrate.connect(grant_after_migrate, sender=self)
