from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    label = "admin_directory"
    verbose_name = "User and organisation directory"
    default_auto_field = "django.db.models.BigAutoField"
