from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    label = "identity"  # never "auth": django.contrib.auth has that label
    verbose_name = "Wanzo identity"
    default_auto_field = "django.db.models.BigAutoField"
