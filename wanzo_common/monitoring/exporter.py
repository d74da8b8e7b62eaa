"""Serves the metrics of a whole server on its dedicated port, from a daemon thread.

One exporter per server, never one per worker: under runserver it runs in the serving process;
under gunicorn in the master (started by ``deploy/gunicorn.conf.py``); in a Celery worker in the
main process; in ``consume_events`` in the command's process. All of them call
:func:`start_exporter`. In multiprocess mode the registry reads every worker's files (see
``multiprocess``) and reports process metrics for each live process, labelled by pid.
"""

from __future__ import annotations

import logging
import os
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from wanzo_common.monitoring import multiprocess
from wanzo_common.monitoring.active_users import ActiveUsersCollector
from wanzo_common.monitoring.views import PrometheusController

logger = logging.getLogger(__name__)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args) -> None:  # scrapes every 15 s would flood the logs
        pass


class FoldingMultiProcessCollector(MultiProcessCollector):
    """Folds dead processes' files, then reads the rest, all under the directory lock."""

    def collect(self):
        with multiprocess.locked(self._path):
            multiprocess.fold_dead(self._path)
            return list(super().collect())


class ServerProcessCollector:
    """``process_*`` metrics for this process and every live worker, labelled by pid."""

    def __init__(self, path: str) -> None:
        self._path = path

    def collect(self):
        pids = {os.getpid()} | multiprocess.live_pids(self._path)
        merged: dict[str, Metric] = {}
        for pid in sorted(pids):
            collector = ProcessCollector(pid=lambda pid=pid: pid, registry=None)
            for family in collector.collect():
                target = merged.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type)
                )
                for sample in family.samples:
                    target.add_sample(sample.name, {**sample.labels, "pid": str(pid)}, sample.value)
        return list(merged.values())


_registry_lock = threading.Lock()
_active_users_registered = False


def build_registry():
    """The registry to expose: all processes' files in multiprocess mode, else this process."""
    global _active_users_registered
    path = multiprocess.directory()
    if path:
        registry = CollectorRegistry()
        FoldingMultiProcessCollector(registry, path=path)
        registry.register(ActiveUsersCollector())
        registry.register(ServerProcessCollector(path))
        PlatformCollector(registry=registry)
        return registry
    with _registry_lock:
        if not _active_users_registered:
            REGISTRY.register(ActiveUsersCollector())
            _active_users_registered = True
    return REGISTRY


def make_controller(registry=None) -> PrometheusController:
    from wanzo_common.monitoring.conf import monitoring_settings as conf

    return PrometheusController(
        registry if registry is not None else build_registry(),
        bearer_token=conf.BEARER_TOKEN,
        basic_auth=conf.BASIC_AUTH,
    )


def start_exporter(
    *,
    port: int | str | None = None,
    setting: str = "PORT",
    address: str | None = None,
    registry=None,
    label: str = "metrics exporter",
) -> WSGIServer | None:
    """Serve ``/metrics`` from a daemon thread: the one way every process starts its exporter.

    The port is ``port`` when given (``consume_events --metrics-port``; 0 picks a free one),
    else the monitoring setting named by ``setting`` (``PORT`` for a server, ``CELERY_PORT`` for
    a Celery worker). Nothing starts when ``EXPORTER`` is "off". A port already taken is logged,
    not raised, and None returned: metrics are not worth refusing to serve or consume for.
    """
    from wanzo_common.monitoring.conf import monitoring_settings as conf

    if conf.EXPORTER == "off":
        return None
    port = getattr(conf, setting) if port is None else port
    address = address or conf.BIND_ADDRESS
    try:
        controller = make_controller(registry)
        server = make_server(
            address, int(port), controller, _ThreadingServer, handler_class=_QuietHandler
        )
    except OSError as exc:
        logger.error("%s could not bind port %s: %s", label, port, exc)
        return None
    thread = threading.Thread(target=server.serve_forever, name="wanzo-metrics", daemon=True)
    thread.start()
    logger.info("%s listening on http://%s:%s/metrics", label, address, server.server_port)
    return server
