"""gunicorn server hooks: one exporter for the whole server, fed by every worker.

``deploy/gunicorn.conf.py`` imports these. The master clears the multiprocess directory at
start, serves ``/metrics`` from a thread on ``PROMETHEUS_PORT``, and folds each dead worker's
files as soon as gunicorn reaps it, so recycling workers (``max_requests``) neither loses counts
nor slows scrapes down.
"""

from __future__ import annotations

import gc
import os
import re

from wanzo_common.monitoring import multiprocess

_exporter = None


def on_starting(server) -> None:
    """Runs in the master before anything is imported from the app."""
    path = os.environ.pop(multiprocess.ENV, None)
    port = server.cfg.bind[0].rsplit(":", 1)[-1]
    port = re.sub(r"[^\w.-]", "_", port)  # a unix socket bind is a path: keep one level
    multiprocess.enable(path or multiprocess.default_directory(f"gunicorn-{port}"))


def _settings_module(server) -> str:
    uri = server.cfg.wsgi_app or getattr(server.app, "app_uri", None) or ""
    app_module = uri.split(":")[0]
    return app_module.rsplit(".", 1)[0] + ".settings"


def when_ready(server) -> None:
    """Start the exporter in the master, with the service's own monitoring settings."""
    global _exporter
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", _settings_module(server))
    django.setup(set_prefix=False)
    # Import the URLconf (views, DRF) once here, so each forked or recycled worker inherits it
    # instead of paying ~0.3 s on its first request. Opens no database connection.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (the import is the point)
    # Everything loaded so far lives as long as the server: out of the garbage collector's
    # sight (Python's advice for a process that forks workers), a worker's full collection
    # no longer walks ~100,000 objects of Django and the app (~25-50 ms, a latency spike).
    gc.freeze()
    from wanzo_common.monitoring.exporter import start_exporter

    _exporter = start_exporter(setting="PORT")
    if _exporter is not None:
        server.log.info("Metrics for all workers on port %s", _exporter.server_port)


def child_exit(server, worker) -> None:
    multiprocess.compact(os.environ[multiprocess.ENV], dead={worker.pid})


def on_exit(server) -> None:
    if _exporter is not None:
        _exporter.shutdown()
    multiprocess.remove_if_ours(multiprocess.directory())
