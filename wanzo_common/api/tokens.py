"""Tokens signed with a key id and verified with a set of public keys, for key rotation.

simplejwt verifies with one key. Here a token's header names its key (``kid``, the key's RFC 7638
thumbprint, :func:`~wanzo_common.api.keys.key_id`) and the service verifies with that key, if it
is one of its set: ``SIMPLE_JWT["VERIFYING_KEY"]`` plus ``WANZO_API["PUBLIC_KEYS"]``. A rotation
is then: deploy the new public key beside the old one everywhere, let auth sign with the new
private key, and drop the old public key once the last token it signed has expired (the refresh
lifetime). A token naming a key the set does not hold is refused (401); a token without ``kid``
(signed before ids existed) is checked with the first key.

The backend is built on first use from the settings and rebuilt when a test changes them.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

import jwt
from django.core.signals import setting_changed
from django.dispatch import receiver
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError

from wanzo_common.api.keys import key_id, load_public_key

__all__ = ["AccessToken", "KeySetBackend", "KeySetMixin", "leeway", "token_backend"]


class KeySetBackend(TokenBackend):
    """simplejwt's backend, choosing the verifying key by ``kid`` and writing ``kid`` when signing."""

    def __init__(self, *, public_keys: list[str], **options: Any) -> None:
        super().__init__(verifying_key=public_keys[0] if public_keys else "", **options)
        self.keys: dict[str, Any] = {}
        for pem in public_keys:  # reported by wanzo_api.E002/E005 when one does not load
            try:
                public = load_public_key(pem)
            except ValueError:
                continue
            self.keys.setdefault(key_id(public), public)
        self.default_key = next(iter(self.keys.values()), None)
        self.signing_kid = (
            key_id(self.prepared_signing_key.public_key()) if self.signing_key else None
        )

    def encode(self, payload: dict[str, Any]) -> str:
        jwt_payload = dict(payload)
        if self.audience is not None:
            jwt_payload["aud"] = self.audience
        if self.issuer is not None:
            jwt_payload["iss"] = self.issuer
        headers = {"kid": self.signing_kid}
        return jwt.encode(jwt_payload, self.prepared_signing_key, self.algorithm, headers=headers)

    def get_verifying_key(self, token: Any) -> Any:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise TokenBackendError("Token is invalid") from exc
        key = self.default_key if kid is None else self.keys.get(kid)
        if key is None:
            raise TokenBackendError("Token is signed with an unknown key")
        return key


@cache
def token_backend() -> KeySetBackend:
    """The backend of the current settings (rebuilt when a test changes them)."""
    from rest_framework_simplejwt.settings import api_settings

    from wanzo_common.api.conf import app_settings

    first = [api_settings.VERIFYING_KEY] if api_settings.VERIFYING_KEY else []
    return KeySetBackend(
        public_keys=first + list(app_settings.PUBLIC_KEYS),
        algorithm=api_settings.ALGORITHM,
        signing_key=api_settings.SIGNING_KEY or None,
        audience=api_settings.AUDIENCE,
        issuer=api_settings.ISSUER,
        leeway=api_settings.LEEWAY,
    )


def leeway() -> timedelta:
    """``SIMPLE_JWT["LEEWAY"]`` (seconds or a timedelta) as a timedelta."""
    from rest_framework_simplejwt.settings import api_settings

    value = api_settings.LEEWAY or 0
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("SIMPLE_JWT", "WANZO_API"):
        token_backend.cache_clear()


class KeySetMixin:
    """Makes a simplejwt token class sign and verify through :func:`token_backend`."""

    @property
    def token_backend(self) -> KeySetBackend:
        return token_backend()


class AccessToken(KeySetMixin, tokens.AccessToken):
    """The access token every service verifies (``SIMPLE_JWT["AUTH_TOKEN_CLASSES"]``)."""
