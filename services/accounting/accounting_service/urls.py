"""URLs of the accounting service: health, the API root, and the ledger API."""

from django.urls import include, path

from wanzo_common.urls import service_urlpatterns

api_patterns: list = [path("", include("ledger.urls"))]

urlpatterns = service_urlpatterns(
    api_patterns,
    named_routes={
        "accounts": "accounts",
        "journal-entries": "journal-entries",
        "trial-balance": "trial-balance",
    },
)

# JSON, never Django's HTML pages, for unknown URLs, oversized bodies (413) and crashes.
handler400 = "wanzo_common.api.errors.bad_request"
handler403 = "wanzo_common.api.errors.permission_denied"
handler404 = "wanzo_common.api.errors.page_not_found"
handler500 = "wanzo_common.api.errors.server_error"
