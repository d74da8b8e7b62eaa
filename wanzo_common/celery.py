"""The Celery app factory every service uses.

With ``CELERY_BROKER_URL`` unset (a one-off command, a test) tasks run eagerly in the caller, so
a developer needs no broker; with it set (Redis in CI and deploy; under ``make up`` kombu's
filesystem transport in ``var/celery/``, unless the service names Redis) workers run for real. Worker
processes export their metrics on their own port (see ``wanzo_common.monitoring.celery``).
"""

from __future__ import annotations

import os

from celery import Celery


def make_celery_app(service: str) -> Celery:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"{service}_service.settings")
    # Set before Django or prometheus_client are imported in a worker process: the
    # multiprocess value class is chosen when prometheus_client is first imported.
    from wanzo_common.monitoring.multiprocess import prepare_celery_worker

    prepare_celery_worker(service=service)
    app = Celery(f"{service}_service")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = app.conf.broker_url or "memory://"
    app.autodiscover_tasks()
    import wanzo_common.monitoring.celery  # noqa: F401  (connects the worker signals)
    from wanzo_common.events.celery import install as install_events_consumer

    install_events_consumer(app)
    return app
