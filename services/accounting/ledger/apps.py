from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    label = "ledger"
    verbose_name = "Ledger (double-entry journal)"
    default_auto_field = "django.db.models.BigAutoField"
