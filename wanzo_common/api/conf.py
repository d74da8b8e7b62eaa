"""The token settings every service shares, built from the environment.

djangorestframework-simplejwt does the token work. Its settings are one namespaced dict
(``SIMPLE_JWT``), read lazily and reloaded on ``setting_changed``; this module fills it:
asymmetric keys (:mod:`wanzo_common.api.keys`), lifetimes, rotation and the user class that
carries the role and organisation claims. What simplejwt has no setting for lives in
``WANZO_API`` (:data:`app_settings`): the set of public keys a token may be signed with (key
rotation), the absolute session lifetime, and how long a process may trust its copy of the
revocations.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from wanzo_common.api.keys import ALGORITHM, read_key, read_keys
from wanzo_common.app_settings import AppSettings
from wanzo_common.env import Env

ISSUER = "wanzo-auth"
AUDIENCE = "wanzo"

DEFAULTS: dict[str, Any] = {
    # Public keys (PEM) besides SIMPLE_JWT's VERIFYING_KEY: the next key before a rotation,
    # the previous one after it. A token names its key by ``kid`` (RFC 7638 thumbprint).
    "PUBLIC_KEYS": [],
    # A session (the ``sid`` claim) ends this long after its login, whatever the refreshes.
    "SESSION_LIFETIME": timedelta(days=30),
    # Seconds a process serves requests from its copy of the revocation table before reading
    # it again (0: read it on every request). Adds at most this much to a revocation's delay.
    "REVOCATION_CACHE_SECONDS": 0.25,
}

app_settings = AppSettings(setting="WANZO_API", defaults=DEFAULTS)


def jwt_settings(env: Env) -> dict[str, Any]:
    return {
        "ALGORITHM": ALGORITHM,
        # Only the auth service has a private key; elsewhere tokens can be verified, never made.
        "SIGNING_KEY": read_key(env, "JWT_PRIVATE_KEY") or "",
        # The first public key: the one a token without ``kid`` is checked with.
        "VERIFYING_KEY": next(iter(public_keys(env)), ""),
        "ISSUER": ISSUER,
        "AUDIENCE": AUDIENCE,
        "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_TOKEN_LIFETIME", 300)),
        "REFRESH_TOKEN_LIFETIME": timedelta(
            seconds=env.int("JWT_REFRESH_TOKEN_LIFETIME", 7 * 24 * 3600)
        ),
        "ROTATE_REFRESH_TOKENS": True,
        "BLACKLIST_AFTER_ROTATION": True,
        "UPDATE_LAST_LOGIN": False,
        "USER_ID_CLAIM": "user_id",
        "TOKEN_USER_CLASS": "wanzo_common.api.authentication.WanzoUser",
        # Verified with the key its ``kid`` names (wanzo_common.api.tokens).
        "AUTH_TOKEN_CLASSES": ("wanzo_common.api.tokens.AccessToken",),
        "AUTH_HEADER_TYPES": ("Bearer",),
    }


def public_keys(env: Env) -> list[str]:
    """``JWT_PUBLIC_KEY`` (one PEM) then every PEM of ``JWT_PUBLIC_KEYS`` (several)."""
    single = read_key(env, "JWT_PUBLIC_KEY")
    return ([single] if single else []) + read_keys(env, "JWT_PUBLIC_KEYS")


def api_settings(env: Env) -> dict[str, Any]:
    """``WANZO_API``: the settings of :data:`DEFAULTS`, from the environment."""
    default_lifetime = int(DEFAULTS["SESSION_LIFETIME"].total_seconds())
    return {
        "PUBLIC_KEYS": public_keys(env)[1:],  # the first is SIMPLE_JWT's VERIFYING_KEY
        "SESSION_LIFETIME": timedelta(seconds=env.int("JWT_SESSION_LIFETIME", default_lifetime)),
        "REVOCATION_CACHE_SECONDS": float(
            env.str("JWT_REVOCATION_CACHE_SECONDS", str(DEFAULTS["REVOCATION_CACHE_SECONDS"]))
        ),
    }
