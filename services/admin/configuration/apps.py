from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "configuration"
    label = "admin_configuration"
    verbose_name = "Platform configuration"
    default_auto_field = "django.db.models.BigAutoField"
