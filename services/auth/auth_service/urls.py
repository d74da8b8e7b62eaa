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
