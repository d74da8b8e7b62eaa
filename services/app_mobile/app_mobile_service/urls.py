"""URLs of the app_mobile service: health, the API root, and the service's API."""

from django.urls import include, path

from wanzo_common.urls import service_urlpatterns

api_patterns: list = [
    path("", include("app_sessions.urls")),
    path("", include("devices.urls")),
    path("", include("push.urls")),
    path("", include("sales.urls")),
    path("", include("sync.urls")),
]

urlpatterns = service_urlpatterns(
    api_patterns,
    named_routes={
        "sessions": "sessions",
        "devices": "devices",
        "notifications": "notifications",
        "sales": "sales",
        "sync": "sync",
        "sync-records": "sync-records",
    },
)
