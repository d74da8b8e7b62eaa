from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "wanzo_common.monitoring"
    label = "wanzo_monitoring"
    verbose_name = "Wanzo monitoring"

    def ready(self) -> None:
        # Same exposition in single- and multiprocess mode (the latter has no _created).
        from prometheus_client import disable_created_metrics

        from wanzo_common.monitoring import checks, db, runserver  # noqa: F401  (registers)
        from wanzo_common.monitoring.conf import monitoring_settings

        disable_created_metrics()
        if monitoring_settings.ENABLED:
            db.install()
        runserver.start_if_serving()
