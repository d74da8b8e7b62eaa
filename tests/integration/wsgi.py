"""WSGI entry point of the test project for the gunicorn integration tests.

``gunicorn -c deploy/gunicorn.conf.py tests.integration.wsgi:application``: the gunicorn hooks
derive the settings module from this module's package (``tests.integration.settings``).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.integration.settings")
application = get_wsgi_application()
