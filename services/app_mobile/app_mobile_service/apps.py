from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "app_mobile_service"
    label = "app_mobile_service"
    verbose_name = "Wanzo app_mobile service"

    def ready(self) -> None:
        from . import metrics  # noqa: F401  (declares the domain metrics)
