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
