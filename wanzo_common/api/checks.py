"""System checks of the token settings and of Django's secret key: a service that cannot verify
tokens, or would sign its own data with a guessable key, does not start."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from wanzo_common.api.keys import key_id, load_public_key

HINT = (
    "Set JWT_PUBLIC_KEY (PEM text) or JWT_PUBLIC_KEY_FILE (a readable PEM file) to the auth "
    "service's public key; make up writes a development pair under var/jwt/."
)
KEYS_HINT = (
    "JWT_PUBLIC_KEYS (or the file JWT_PUBLIC_KEYS_FILE) holds the Ed25519 public keys in use "
    "during a rotation, as PEM blocks one after the other."
)


@register()
def check_jwt_keys(app_configs=None, **kwargs) -> list[Error]:
    from rest_framework_simplejwt.settings import api_settings

    from wanzo_common.api.conf import app_settings

    verifying = api_settings.VERIFYING_KEY
    if not verifying:
        return [Error("No key to verify access tokens.", hint=HINT, id="wanzo_api.E001")]
    try:
        serialization.load_pem_public_key(verifying.encode())
    except ValueError as exc:
        return [Error(f"JWT_PUBLIC_KEY is not a PEM public key: {exc}", id="wanzo_api.E002")]
    pems = [verifying, *app_settings.PUBLIC_KEYS]
    errors = _key_set_errors(pems)
    if errors:
        return errors
    signing = api_settings.SIGNING_KEY
    if signing:
        try:
            private = serialization.load_pem_private_key(signing.encode(), password=None)
        except ValueError as exc:
            return [Error(f"JWT_PRIVATE_KEY is not a PEM private key: {exc}", id="wanzo_api.E003")]
        if private.public_key() not in [load_public_key(pem) for pem in pems]:
            return [
                Error(
                    "JWT_PRIVATE_KEY does not pair with JWT_PUBLIC_KEY nor any of "
                    "JWT_PUBLIC_KEYS: its tokens would be refused.",
                    id="wanzo_api.E004",
                )
            ]
    return []


def _key_set_errors(pems: list[str]) -> list[Error]:
    """Every key loads as Ed25519 (E005, E006), and no key is named twice (E007)."""
    errors, seen = [], set()
    for number, pem in enumerate(pems, start=1):
        try:
            public = load_public_key(pem)
        except ValueError as exc:
            # The library's message, never the text: a private key pasted by mistake is secret.
            error_id = "wanzo_api.E006" if "not an Ed25519 key" in str(exc) else "wanzo_api.E005"
            what = "not an Ed25519 key" if error_id.endswith("6") else "not a PEM public key"
            errors.append(Error(f"Public key #{number} is {what}.", hint=KEYS_HINT, id=error_id))
            continue
        kid = key_id(public)
        if kid in seen:
            errors.append(
                Error(f"Public key #{number} is given twice (kid {kid}).", hint=KEYS_HINT,
                      id="wanzo_api.E007")
            )  # fmt: skip
        seen.add(kid)
    return errors


@register()
def check_secret_key(app_configs=None, **kwargs) -> list[Error]:
    # Django signs with SECRET_KEY (password reset tokens among others): a fixed or empty key
    # outside development would let anyone forge them.
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django's own refusal of an empty key, on first read
        key = ""
    if not settings.DEBUG and not key:
        return [
            Error(
                "DJANGO_SECRET_KEY is not set.",
                hint="Set DJANGO_SECRET_KEY to a long random value (python -c 'import "
                "secrets; print(secrets.token_urlsafe(50))'); make up writes one to each "
                "service's .env.",
                id="wanzo_api.E008",
            )
        ]
    return []
