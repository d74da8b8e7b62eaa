"""The anchor of the API load bench: a bare DRF write view with simplejwt EdDSA authentication.

What the same machine and PostgreSQL do with the least a token-authenticated write can be:
one ModelSerializer, one INSERT in a transaction, under gunicorn's sync workers. The bench
starts it (``bench/api_load.py``) and gives it ``DATABASE_URL``, ``JWT_PUBLIC_KEY`` and a port.
No monitoring, no events, no access log: the floor our stack is measured against.
"""

import os

import dj_database_url

SECRET_KEY = "anchor-bench-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "notes",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication"
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SIMPLE_JWT = {
    "ALGORITHM": "EdDSA",
    "SIGNING_KEY": os.environ.get("JWT_PRIVATE_KEY", ""),
    "VERIFYING_KEY": os.environ["JWT_PUBLIC_KEY"],
}
