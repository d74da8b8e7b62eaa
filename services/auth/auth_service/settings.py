"""Settings of the auth service: the shared base plus what is the service's own."""

from pathlib import Path

from wanzo_common.env import Env
from wanzo_common.settings import build

BASE_DIR = Path(__file__).resolve().parent.parent

globals().update(build(service="auth", base_dir=BASE_DIR))  # ports: wanzo_common.ports

INSTALLED_APPS += [  # noqa: F821  (defined by build())
    # Refresh tokens are listed when issued and blacklisted on rotation, logout and revocation.
    "rest_framework_simplejwt.token_blacklist",
    "auth_service.apps.ServiceConfig",
    "identity.apps.IdentityConfig",
]

# The one service that keeps users: e-mail login, UUID ids, a role and an organisation.
AUTH_USER_MODEL = "identity.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

_env = Env(BASE_DIR / ".env")
# Lockout: after LOCKOUT_THRESHOLD wrong passwords in a row, logins are refused for
# LOCKOUT_MINUTES (read lazily by identity.conf; checked by identity.E002).
WANZO_AUTH = {
    "LOCKOUT_THRESHOLD": _env.int("AUTH_LOCKOUT_THRESHOLD", 5),
    "LOCKOUT_MINUTES": _env.int("AUTH_LOCKOUT_MINUTES", 15),
}

# Domain refusals (field errors, lockout, revoked tokens) become 400/401/403/423 answers.
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F821  (defined by build())
    "EXCEPTION_HANDLER": "identity.api_errors.exception_handler",
    # The shared token check plus the caller's row here (active, not deleted).
    "DEFAULT_AUTHENTICATION_CLASSES": ["identity.authentication.UserJWTAuthentication"],
}

CELERY_BEAT_SCHEDULE = {  # noqa: F405
    **CELERY_BEAT_SCHEDULE,  # noqa: F821  (defined by build())
    "identity-flush-expired-tokens": {"task": "identity.flush_expired_tokens", "schedule": 3600.0},
}
