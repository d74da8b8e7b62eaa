"""The standard metrics every service exports, and helpers to declare domain metrics.

Names carry no service prefix: the scrape job tells services apart, so one dashboard and one set
of alert rules serve every service. Labels must stay bounded (a handful of values each): use
types, statuses and currencies, never ids, e-mails or raw paths.

A service declares its domain metrics in one module (``<service>_service/metrics.py``)::

    from wanzo_common.monitoring import counter
    LOGINS = counter("login_attempts_total", "Login attempts.", labels=("status",))

Declaring the same name twice returns the first metric, so modules may be re-imported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

# Includes 0.25 and 0.3 s so SLO alerts ("95% under 300 ms") read straight off a bucket.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
# Sub-millisecond resolution: most queries of a healthy service finish well under 1 ms.
DB_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_declared: dict[str, MetricWrapperBase] = {}


def _declare(cls: type, name: str, documentation: str, labels: Sequence[str], **kwargs):
    if not _NAME.match(name):
        raise ValueError(f"Metric name {name!r} must be snake_case ([a-z][a-z0-9_]*).")
    existing = _declared.get(name)
    if existing is not None:
        if type(existing) is not cls or tuple(existing._labelnames) != tuple(labels):
            raise ValueError(f"Metric {name!r} is already declared with another type or labels.")
        return existing
    metric = cls(name, documentation, labelnames=tuple(labels), registry=REGISTRY, **kwargs)
    _declared[name] = metric
    return metric


def counter(name: str, documentation: str, *, labels: Sequence[str] = ()) -> Counter:
    """Declare a counter. Prometheus adds ``_total`` to the name if it is missing."""
    key = name[: -len("_total")] if name.endswith("_total") else name
    return _declare(Counter, key, documentation, labels)


def histogram(
    name: str,
    documentation: str,
    *,
    labels: Sequence[str] = (),
    buckets: Sequence[float] = HTTP_BUCKETS,
) -> Histogram:
    return _declare(Histogram, name, documentation, labels, buckets=tuple(buckets))


def gauge(
    name: str, documentation: str, *, labels: Sequence[str] = (), mode: str = "mostrecent"
) -> Gauge:
    """Declare a gauge. ``mode`` says how worker processes combine under gunicorn/Celery:
    ``mostrecent`` for values that are set (balances), ``livesum`` for values moved up and
    down by each process (work in progress), ``max`` and ``min`` as named."""
    return _declare(Gauge, name, documentation, labels, multiprocess_mode=mode)


HTTP_REQUESTS = counter(
    "http_requests_total",
    "HTTP requests served, by method, URL pattern and status code.",
    labels=("method", "route", "status"),
)
HTTP_DURATION = histogram(
    "http_request_duration_seconds",
    "Time from the request entering the first middleware to the response leaving it.",
    labels=("method", "route", "status"),
)
HTTP_IN_PROGRESS = gauge(
    "http_requests_in_progress",
    "HTTP requests being served right now.",
    mode="livesum",
)
DB_QUERY_DURATION = histogram(
    "database_query_duration_seconds",
    "Time spent executing one SQL statement, by database alias and operation.",
    labels=("alias", "operation"),
    buckets=DB_BUCKETS,
)
