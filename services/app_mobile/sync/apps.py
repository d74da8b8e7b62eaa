from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    label = "mobile_sync"
    verbose_name = "Offline sync"
