from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "accounting_service"
    label = "accounting_service"
    verbose_name = "Wanzo accounting service"

    def ready(self) -> None:
        from . import metrics  # noqa: F401  (declares the domain metrics)
