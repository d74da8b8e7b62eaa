from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "wanzo_common.api"
    label = "wanzo_api"
    verbose_name = "Wanzo API layer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registering: the system checks, and the OpenAPI description of the token scheme.
        from wanzo_common.api import checks, schema  # noqa: F401
