"""System checks of the auth service: the one service that signs tokens must be able to.

``wanzo_api`` checks that every service can *verify* tokens; only auth *signs* them, so only
auth refuses to start without the private key rather than failing at the first login.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

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
    for name in ("LOCKOUT_THRESHOLD", "LOCKOUT_MINUTES"):
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
