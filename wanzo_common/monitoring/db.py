"""Times every SQL statement with ``connection.execute_wrapper``.

Installed on each connection as it is created, so queries are timed wherever they run (requests,
management commands, Celery tasks, event consumers) and with any database engine, without
swapping the ENGINE as django-prometheus does. A query that raises is still observed.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter

from django.db import connections
from django.db.backends.signals import connection_created

from wanzo_common.monitoring.metrics import DB_QUERY_DURATION

_OPERATIONS = {"SELECT": "select", "INSERT": "insert", "UPDATE": "update", "DELETE": "delete"}


def operation_of(sql) -> str:
    if not isinstance(sql, str):
        sql = str(sql)
    return _OPERATIONS.get(sql.lstrip()[:6].upper(), "other")


class DatabaseMetricsInterceptor:
    """An execute wrapper observing ``database_query_duration_seconds{alias,operation}``."""

    def __init__(self) -> None:
        # (alias, operation) -> observe() of that labelled child: labels() is looked up once
        self._children: dict[tuple[str, str], Callable[[float], None]] = {}

    def __call__(self, execute, sql, params, many, context):
        start = perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = perf_counter() - start
            key = (context["connection"].alias, operation_of(sql))
            observe = self._children.get(key)
            if observe is None:
                observe = self._children[key] = DB_QUERY_DURATION.labels(*key).observe
            observe(elapsed)


INTERCEPTOR = DatabaseMetricsInterceptor()


def attach(connection) -> None:
    """Add the interceptor to one connection, once (reconnects keep the same wrapper list)."""
    if INTERCEPTOR not in connection.execute_wrappers:
        connection.execute_wrappers.append(INTERCEPTOR)


def _on_connection_created(sender, connection, **kwargs) -> None:
    attach(connection)


def install() -> None:
    connection_created.connect(_on_connection_created, dispatch_uid="wanzo_monitoring_db")
    for connection in connections.all(initialized_only=True):
        attach(connection)
