"""System checks of the token settings: a service that cannot verify tokens does not start."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from django.core.checks import Error, register

HINT = (
    "Set JWT_PUBLIC_KEY (PEM text) or JWT_PUBLIC_KEY_FILE (a readable PEM file) to the auth "
    "service's public key; make up writes a development pair under var/jwt/."
)


@register()
def check_jwt_keys(app_configs=None, **kwargs) -> list[Error]:
    from rest_framework_simplejwt.settings import api_settings

    verifying = api_settings.VERIFYING_KEY
    if not verifying:
        return [Error("No key to verify access tokens.", hint=HINT, id="wanzo_api.E001")]
    try:
        public = serialization.load_pem_public_key(verifying.encode())
    except ValueError as exc:
        return [Error(f"JWT_PUBLIC_KEY is not a PEM public key: {exc}", id="wanzo_api.E002")]
    signing = api_settings.SIGNING_KEY
    if signing:
        try:
            private = serialization.load_pem_private_key(signing.encode(), password=None)
        except ValueError as exc:
            return [Error(f"JWT_PRIVATE_KEY is not a PEM private key: {exc}", id="wanzo_api.E003")]
        if private.public_key() != public:
            return [
                Error(
                    "JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are not a pair: tokens would be refused.",
                    id="wanzo_api.E004",
                )
            ]
    return []
