"""URLs the wanzo_common tests call: plain, parametrised, failing, streaming and async views."""

from django.urls import path

from tests.testapp import views
from wanzo_common.urls import service_urlpatterns

api_patterns = [
    path("items/<int:pk>/", views.item, name="item"),
    path("boom/", views.boom, name="boom"),
    path("stream/", views.stream, name="stream"),
    path("async/", views.async_view, name="async"),
    path("whoami/", views.whoami, name="whoami"),
    path("query/", views.query, name="query"),
    path("async-stream/", views.async_stream, name="async-stream"),
    path("logged/", views.logged, name="logged"),
]

urlpatterns = service_urlpatterns(api_patterns)

handler400 = "wanzo_common.api.errors.bad_request"
handler403 = "wanzo_common.api.errors.permission_denied"
handler404 = "wanzo_common.api.errors.page_not_found"
handler500 = "wanzo_common.api.errors.server_error"
