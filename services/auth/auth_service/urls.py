"""URLs of the auth service: health, the API root, and the auth API under ``/api/auth/``."""

from django.urls import include, path

from wanzo_common.urls import service_urlpatterns

api_patterns: list = [path("auth/", include("identity.urls"))]

urlpatterns = service_urlpatterns(
    api_patterns,
    named_routes={
        "register": "auth-register",
        "login": "auth-login",
        "refresh": "auth-token-refresh",
        "logout": "auth-logout",
        "password_change": "auth-password-change",
        "password_reset": "auth-password-reset",
        "me": "auth-me",
        "users": "auth-users",
    },
)

# JSON, never Django's HTML pages, for unknown URLs, oversized bodies (413) and crashes.
handler400 = "wanzo_common.api.errors.bad_request"
handler403 = "wanzo_common.api.errors.permission_denied"
handler404 = "wanzo_common.api.errors.page_not_found"
handler500 = "wanzo_common.api.errors.server_error"
