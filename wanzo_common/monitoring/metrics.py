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
from bisect import bisect_left
from collections.abc import Callable, Sequence

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


def fast_inc(metric) -> Callable[[float], None]:
    """``metric._value.inc``: what ``Counter.inc(1)`` and ``Gauge.inc()/dec()`` come down to
    for an unlabelled gauge or a labelled child, without their per-call checks (see
    ``fast_observe``). The public ``inc`` if prometheus_client's layout changes."""
    value = getattr(metric, "_value", None)
    return value.inc if value is not None and callable(getattr(value, "inc", None)) else metric.inc


def fast_observe(child) -> Callable[[float], None]:
    """``child.observe`` for a labelled histogram child, minus the work it never needs.

    ``Histogram.observe`` checks the metric is observable and scans the buckets one by one; a
    child is always observable and the bounds are sorted, so adding to the sum and to the
    first bucket whose bound is >= the amount (``bisect_left``) does the same. In multiprocess
    mode every one of those value updates is a locked write to an mmap'd file, so this path
    is worth keeping short. Falls back to the public method if prometheus_client's layout
    (``_sum``, ``_buckets``, ``_upper_bounds``) ever changes.
    """
    try:
        add_to_sum = child._sum.inc
        bounds = tuple(child._upper_bounds)
        buckets = tuple(bucket.inc for bucket in child._buckets)
    except AttributeError:
        return child.observe
    if len(bounds) != len(buckets) or bounds[-1] != float("inf"):
        return child.observe

    def observe(amount: float) -> None:
        add_to_sum(amount)
        buckets[bisect_left(bounds, amount)](1)

    return observe


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
