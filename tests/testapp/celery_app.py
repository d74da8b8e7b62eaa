"""The test project's Celery app: ``celery -A tests.testapp.celery_app worker --events-consumer``.

Built like every service's (``make_celery_app``); ``install`` is a no-op once the factory adds the
events consumer step itself.
"""

from wanzo_common.celery import make_celery_app
from wanzo_common.events.celery import install

app = make_celery_app("testsvc")
install(app)
