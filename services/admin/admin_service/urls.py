"""URLs of the admin service: health, the API root, and the service's API."""

from django.urls import include, path

from wanzo_common.urls import service_urlpatterns

api_patterns: list = [
    path("", include("directory.urls")),
    path("", include("configuration.urls")),
    path("", include("maintenance.urls")),
    path("", include("subscriptions.urls")),
]

urlpatterns = service_urlpatterns(
    api_patterns,
    named_routes={
        "users": "user-list",
        "organizations": "organization-list",
        "configuration": "configuration",
        "configuration-changes": "configuration-changes",
        "maintenance-windows": "maintenance-list",
        "plans": "plan-list",
        "subscriptions": "subscription-list",
    },
)

# JSON, never Django's HTML pages, for unknown URLs, oversized bodies (413) and crashes.
handler400 = "wanzo_common.api.errors.bad_request"
handler403 = "wanzo_common.api.errors.permission_denied"
handler404 = "wanzo_common.api.errors.page_not_found"
handler500 = "wanzo_common.api.errors.server_error"
