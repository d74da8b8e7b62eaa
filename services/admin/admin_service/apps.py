from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "admin_service"
    label = "admin_service"
    verbose_name = "Wanzo admin service"

    def ready(self) -> None:
        from . import metrics  # noqa: F401  (declares the domain metrics)
