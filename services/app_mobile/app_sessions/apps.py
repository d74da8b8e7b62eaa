from django.apps import AppConfig


class AppSessionsConfig(AppConfig):
    name = "app_sessions"
    # Not "sessions": that label belongs to django.contrib.sessions.
    label = "mobile_sessions"
    verbose_name = "Mobile app sessions"
