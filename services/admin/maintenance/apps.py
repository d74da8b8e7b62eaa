from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "maintenance"
    label = "admin_maintenance"
    verbose_name = "Maintenance announcements"
    default_auto_field = "django.db.models.BigAutoField"
