"""URL helpers shared by the services: health endpoints and a DRF API root."""

from __future__ import annotations

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from wanzo_common import health


def api_root_view(named_routes: dict[str, str]):
    """A DRF view listing the service's endpoints by name."""

    @extend_schema(responses=OpenApiTypes.OBJECT, description="The service and its endpoints.")
    @api_view(["GET"])
    @permission_classes([AllowAny])
    def api_root(request: Request, format=None) -> Response:
        links = {key: reverse(name, request=request) for key, name in named_routes.items()}
        return Response({"service": settings.SERVICE_NAME, "endpoints": links})

    return api_root


def service_urlpatterns(
    api_patterns: list[URLPattern | URLResolver], *, named_routes: dict[str, str] | None = None
) -> list[URLPattern | URLResolver]:
    """Health endpoints, ``api/`` (the API root) and the service's own API under ``api/``."""
    return [
        path("healthz", health.healthz, name="healthz"),
        path("readyz", health.readyz, name="readyz"),
        path("api/", api_root_view(named_routes or {}), name="api-root"),
        path("api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
        path(
            "api/docs/",
            SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[AllowAny]),
            name="docs",
        ),
        path("api/", include(api_patterns)),
    ]
