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
        "OPTIONS": {"min_length": 12},  # ASVS 2.1.1
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

_env = Env(BASE_DIR / ".env")
# Lockout: LOCKOUT_THRESHOLD wrong passwords in a row for one address from one client lock that
# pair for LOCKOUT_MINUTES; past ACCOUNT_FAILURES_PER_HOUR for an address, only the clients it
# signed in from (in KNOWN_CLIENT_DAYS) may try (identity.throttling, ADR 0014). Read lazily by
# identity.conf; checked by auth_service.E002.
WANZO_AUTH = {
    "LOCKOUT_THRESHOLD": _env.int("AUTH_LOCKOUT_THRESHOLD", 5),
    "LOCKOUT_MINUTES": _env.int("AUTH_LOCKOUT_MINUTES", 15),
    "ACCOUNT_FAILURES_PER_HOUR": _env.int("AUTH_ACCOUNT_FAILURES_PER_HOUR", 100),
    "KNOWN_CLIENT_DAYS": _env.int("AUTH_KNOWN_CLIENT_DAYS", 30),
    # The app's page for a password reset, with {uid} and {token}; empty: the e-mail gives both.
    "PASSWORD_RESET_URL": _env.str("AUTH_PASSWORD_RESET_URL", ""),
}

# Throttles (identity.throttling): <flow>_ip per client address, <flow>_account per account
# (a login's account is the pair address + client). Each AUTH_THROTTLE_<SCOPE> overrides one.
THROTTLE_RATES = {
    "register_ip": "20/hour",
    "register_account": "5/hour",
    "login_ip": "30/minute",
    "login_account": "10/minute",
    "refresh_ip": "120/minute",
    "refresh_account": "30/minute",
    "password_change_ip": "30/minute",
    "password_change_account": "10/hour",
    "password_reset_ip": "20/hour",
    "password_reset_account": "5/hour",
}
# The throttles and the lockout share one cache: Redis when one is named (every worker and
# replica counts together), this process's memory otherwise (each worker counts alone).
_throttle_redis = _env.str("AUTH_THROTTLE_REDIS_URL") or _env.str("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _throttle_redis}
        if _throttle_redis
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "wanzo-auth-throttle",
        }
    ),
}

# E-mail (sign-up notices, password resets) through Django's backend: SMTP by default, set by
# EMAIL_HOST/EMAIL_PORT/EMAIL_HOST_USER/EMAIL_HOST_PASSWORD/EMAIL_USE_TLS; make up writes the
# console backend into .env; the test runner uses locmem.
EMAIL_BACKEND = _env.str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = _env.str("EMAIL_HOST", "localhost")
EMAIL_PORT = _env.int("EMAIL_PORT", 25)
EMAIL_HOST_USER = _env.str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _env.str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env.bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = _env.int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = _env.str("DEFAULT_FROM_EMAIL", "webmaster@localhost")  # set it in production
EMAIL_FILE_PATH = _env.str("EMAIL_FILE_PATH")  # the file backend's folder (the e2e test reads it)
# A password-reset token is good for this many seconds, and once (ADR 0014).
PASSWORD_RESET_TIMEOUT = _env.int("AUTH_PASSWORD_RESET_SECONDS", 1800)

# Domain refusals (field errors, lockout, revoked tokens) become 400/401/403/423 answers.
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F821  (defined by build())
    "EXCEPTION_HANDLER": "identity.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        scope: _env.str(f"AUTH_THROTTLE_{scope.upper()}", rate)
        for scope, rate in THROTTLE_RATES.items()
    },
    # Proxies in front of the service whose X-Forwarded-For is trusted: 0 means REMOTE_ADDR is
    # the client (a client's own X-Forwarded-For never picks its throttle bucket).
    "NUM_PROXIES": _env.int("AUTH_TRUSTED_PROXIES", 0),
    # The shared token check plus the caller's row here (active, not deleted).
    "DEFAULT_AUTHENTICATION_CLASSES": ["identity.authentication.UserJWTAuthentication"],
}

CELERY_BEAT_SCHEDULE = {  # noqa: F405
    **CELERY_BEAT_SCHEDULE,  # noqa: F821  (defined by build())
    "identity-flush-expired-tokens": {"task": "identity.flush_expired_tokens", "schedule": 3600.0},
}
