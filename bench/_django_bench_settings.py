"""Django set-up for the in-process benches: settings, one trivial view, and WSGI handlers.

Each variant of the HTTP bench is its own ``WSGIHandler``: a handler builds its middleware
chain from ``settings.MIDDLEWARE`` once, when it is constructed, so several handlers with
different stacks can live side by side in one process and be timed in alternation.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Sequence

from django.http import HttpResponse
from django.urls import path

BENCH_PATH = "/bench/"

OUR_MIDDLEWARE = "wanzo_common.monitoring.middleware.PrometheusMiddleware"
REQUEST_ID_MIDDLEWARE = "wanzo_common.monitoring.middleware.RequestIDMiddleware"
DP_BEFORE = "django_prometheus.middleware.PrometheusBeforeMiddleware"
DP_AFTER = "django_prometheus.middleware.PrometheusAfterMiddleware"


def trivial_view(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path(BENCH_PATH.strip("/") + "/", trivial_view, name="bench")]


def base_middleware() -> list[str]:
    """The services' own stack minus monitoring: what a request pays without us."""
    from wanzo_common.settings import SHARED_MIDDLEWARE

    return [m for m in SHARED_MIDDLEWARE if m not in (OUR_MIDDLEWARE, REQUEST_ID_MIDDLEWARE)]


def configure() -> None:
    """Configure Django in this process: in-memory SQLite, the monitoring app installed."""
    from django.conf import settings

    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["wanzo_common.monitoring"],
        MIDDLEWARE=base_middleware(),
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
            # django-prometheus's way of timing queries: a wrapped database ENGINE.
            "engine_swap": {
                "ENGINE": "django_prometheus.db.backends.sqlite3",
                "NAME": ":memory:",
            },
        },
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "prometheus": {"BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache"},
            # For scale only: what one get costs against a real (local) cache server.
            "redis": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
                "KEY_PREFIX": "wanzo-bench",
            },
        },
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    import django

    django.setup(set_prefix=False)


def make_handler(middleware: Sequence[str]):
    """A WSGI handler whose middleware chain is ``middleware``."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    settings.MIDDLEWARE = list(middleware)
    return WSGIHandler()


def base_environ() -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": BENCH_PATH,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _start_response(status, headers, exc_info=None):
    return None


def request_runner(handler) -> Callable[[int], None]:
    """``run(n)`` serves ``n`` requests through ``handler`` as a WSGI server would:
    call the app, consume the body, close the response (which fires ``request_finished``)."""
    environ = base_environ()

    def run(n: int) -> None:
        for _ in range(n):
            response = handler(environ.copy(), _start_response)
            for _chunk in response:
                pass
            response.close()

    return run


def check_handler(handler) -> None:
    """Fail loudly if a variant does not serve the view (a bench of 404s would mean nothing)."""
    response = handler(base_environ(), _start_response)
    response.close()
    if response.status_code != 200:
        raise SystemExit(f"bench view answered {response.status_code}, expected 200")


def make_models() -> tuple[type, type]:
    """Two identical models, the second with django-prometheus's operation counters, with
    their tables created in the default (in-memory) database."""
    from django.db import connection, models
    from django_prometheus.models import ExportModelOperationsMixin

    def attrs() -> dict:
        meta = type("Meta", (), {"app_label": "wanzo_monitoring"})
        return {"name": models.CharField(max_length=20), "__module__": __name__, "Meta": meta}

    plain = type("BenchPlain", (models.Model,), attrs())
    counted = type("BenchCounted", (ExportModelOperationsMixin("bench"), models.Model), attrs())
    with connection.schema_editor() as editor:
        editor.create_model(plain)
        editor.create_model(counted)
    return plain, counted
