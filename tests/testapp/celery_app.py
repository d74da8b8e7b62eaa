"""The test project's Celery app: ``celery -A tests.testapp.celery_app worker --events-consumer``.

Built like every service's (``make_celery_app``); ``install`` is a no-op once the factory adds the
events consumer step itself.
"""

from wanzo_common.celery import make_celery_app

app = make_celery_app("testsvc")

from wanzo_common.events.celery import install  # noqa: E402  (after the factory: metrics mode)

install(app)
