from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "auth_service"
    label = "auth_service"
    verbose_name = "Wanzo auth service"

    def ready(self) -> None:
        from . import checks, metrics  # noqa: F401  (registers the checks, declares the metrics)
