"""The ``SIMPLE_JWT`` settings every service shares, built from the environment.

djangorestframework-simplejwt does the token work. Its settings are one namespaced dict, read
lazily and reloaded on ``setting_changed``; this module only fills it: asymmetric keys
(:mod:`wanzo_common.api.keys`), lifetimes, rotation and the user class that carries the role and
organisation claims.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from wanzo_common.api.keys import ALGORITHM, read_key
from wanzo_common.env import Env

ISSUER = "wanzo-auth"
AUDIENCE = "wanzo"


def jwt_settings(env: Env) -> dict[str, Any]:
    return {
        "ALGORITHM": ALGORITHM,
        # Only the auth service has a private key; elsewhere tokens can be verified, never made.
        "SIGNING_KEY": read_key(env, "JWT_PRIVATE_KEY") or "",
        "VERIFYING_KEY": read_key(env, "JWT_PUBLIC_KEY") or "",
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
        "AUTH_HEADER_TYPES": ("Bearer",),
    }
