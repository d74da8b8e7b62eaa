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

# JSON, never Django's HTML pages, for unknown URLs, oversized bodies (413) and crashes.
handler400 = "wanzo_common.api.errors.bad_request"
handler403 = "wanzo_common.api.errors.permission_denied"
handler404 = "wanzo_common.api.errors.page_not_found"
handler500 = "wanzo_common.api.errors.server_error"
