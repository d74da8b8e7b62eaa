from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "push"
    label = "mobile_push"
    verbose_name = "Push notifications"

    def ready(self) -> None:
        from push import checks  # noqa: F401  (registers the wanzo_push system checks)
