"""Prometheus monitoring for Wanzo services, correct under runserver, gunicorn and Celery.

Add ``"wanzo_common.monitoring"`` to ``INSTALLED_APPS`` and
``wanzo_common.monitoring.middleware.PrometheusMiddleware`` first in ``MIDDLEWARE``. Metrics are
served on the dedicated ``PROMETHEUS_PORT``, never on the app port.

The public names are loaded lazily: gunicorn's config and Celery's app module import this
package to switch on multiprocess mode, which must happen before prometheus_client is imported.
"""

__all__ = ["counter", "gauge", "histogram"]


def __getattr__(name: str):
    if name in __all__:
        from wanzo_common.monitoring import metrics

        return getattr(metrics, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
