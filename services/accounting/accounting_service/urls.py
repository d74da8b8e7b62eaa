"""URLs of the accounting service: health, the API root, and the service's API."""

from wanzo_common.urls import service_urlpatterns

api_patterns: list = []

urlpatterns = service_urlpatterns(api_patterns)
