"""System checks of the auth service: the one service that signs tokens must be able to.

``wanzo_api`` checks that every service can *verify* tokens; only auth *signs* them, so only
auth refuses to start without the private key rather than failing at the first login.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register

SIGNING_HINT = (
    "Set JWT_PRIVATE_KEY (PEM text) or JWT_PRIVATE_KEY_FILE (a readable PEM file); make up "
    "writes a development pair under var/jwt/ and names it in services/auth/.env."
)


@register()
def check_signing_key(app_configs=None, **kwargs) -> list[Error]:
    from rest_framework_simplejwt.settings import api_settings

    if not api_settings.SIGNING_KEY:
        return [Error("No private key to sign tokens.", hint=SIGNING_HINT, id="auth_service.E001")]
    return []


@register()
def check_lockout_settings(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for name in (
        "LOCKOUT_THRESHOLD", "LOCKOUT_MINUTES", "ACCOUNT_FAILURES_PER_HOUR", "KNOWN_CLIENT_DAYS"
    ):  # fmt: skip
        value = getattr(settings, "WANZO_AUTH", {}).get(name, 1)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            errors.append(
                Error(
                    f"WANZO_AUTH[{name!r}] must be a positive integer, not {value!r}.",
                    hint=f"Set AUTH_{name} to a whole number >= 1.",
                    id="auth_service.E002",
                )
            )
    return errors


@register()
def check_throttle_settings(app_configs=None, **kwargs) -> list[Error]:
    """Every throttle rate parses (``N/second|minute|hour|day``) and the proxy count is a count:
    a typo would otherwise be a 500 at the first login, or no throttle at all."""
    from rest_framework.settings import api_settings

    errors = []
    for scope, rate in sorted(api_settings.DEFAULT_THROTTLE_RATES.items()):
        number, _, period = str(rate).partition("/")
        if not (number.isdigit() and period[:1] in ("s", "m", "h", "d")):
            errors.append(
                Error(
                    f"Throttle rate {scope!r} is {rate!r}, not N/second|minute|hour|day.",
                    hint=f"Set AUTH_THROTTLE_{scope.upper()} to e.g. 30/minute.",
                    id="auth_service.E003",
                )
            )
    proxies = api_settings.NUM_PROXIES
    if not isinstance(proxies, int) or isinstance(proxies, bool) or proxies < 0:
        errors.append(
            Error(
                f"NUM_PROXIES must be a whole number >= 0, not {proxies!r}.",
                hint="Set AUTH_TRUSTED_PROXIES to the number of proxies in front of auth.",
                id="auth_service.E004",
            )
        )
    return errors


@register()
def check_throttle_cache(app_configs=None, **kwargs) -> list[Warning]:
    """Throttles and lockout counts in each process's memory: N workers allow N times the rates."""
    backend = settings.CACHES.get("throttle", {}).get("BACKEND", "")
    if settings.DEBUG or not backend.endswith("LocMemCache"):
        return []
    return [
        Warning(
            "auth's throttles and lockout count in each process's memory: every worker and "
            "replica allows the full rates.",
            hint="Set AUTH_THROTTLE_REDIS_URL (or REDIS_URL) to a Redis database of its own.",
            id="auth_service.W001",
        )
    ]
