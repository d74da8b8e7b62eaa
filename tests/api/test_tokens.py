"""Key rotation: tokens name their key (``kid``); a service verifies with any key of its set."""

from __future__ import annotations

import base64

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import override_settings
from rest_framework_simplejwt.settings import api_settings

from wanzo_common.api.keys import generate_key_pair, key_id, load_public_key, throwaway_key_pair
from wanzo_common.api.testing import access_token, bearer

pytestmark = pytest.mark.django_db


def signing_with(private_pem: str, public_pem: str, *, others: list[str] = ()):
    """Settings of a service signing with ``private_pem``, verifying with the set."""
    return override_settings(
        SIMPLE_JWT={**api_settings.user_settings, "SIGNING_KEY": private_pem,
                    "VERIFYING_KEY": public_pem},
        WANZO_API={"PUBLIC_KEYS": list(others), "REVOCATION_CACHE_SECONDS": 0},
    )  # fmt: skip


def whoami(token: str) -> int:
    return bearer(token).get("/api/whoami/").status_code


def test_the_key_id_is_the_rfc_8037_thumbprint():
    # RFC 8037 appendix A.1 (the key) and A.3 (its RFC 7638 thumbprint).
    secret = base64.urlsafe_b64decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")
    public = Ed25519PrivateKey.from_private_bytes(secret).public_key()
    assert key_id(public) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_a_token_names_its_signing_key():
    _, public = throwaway_key_pair()
    assert jwt.get_unverified_header(access_token())["kid"] == key_id(load_public_key(public))


def test_after_a_rotation_old_tokens_verify_with_the_old_key_in_the_set():
    old_private, old_public = throwaway_key_pair()
    new_private, new_public = generate_key_pair()
    old_token = access_token()
    # Step 1: every service gets the new public key beside the old one; auth still signs old.
    with signing_with(old_private, old_public, others=[new_public]):
        assert whoami(old_token) == 200
    # Step 2: auth signs with the new key; the old public key stays in the set.
    with signing_with(new_private, new_public, others=[old_public]):
        new_token = access_token()
        assert whoami(new_token) == 200 and whoami(old_token) == 200
    # Step 3: once the old tokens have expired, the old key leaves the set.
    with signing_with(new_private, new_public):
        assert whoami(old_token) == 401
        assert whoami(new_token) == 200


def test_an_unknown_kid_is_401_even_when_a_key_of_the_set_would_verify_it():
    private, public = throwaway_key_pair()
    token = access_token()
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": "not-in-the-set"})
    assert whoami(forged) == 401
    assert whoami(token) == 200


def test_a_token_without_kid_is_checked_with_the_first_key():
    private, _ = throwaway_key_pair()
    claims = jwt.decode(access_token(), options={"verify_signature": False})
    assert whoami(jwt.encode(claims, private, algorithm="EdDSA")) == 200
    other_private, _ = generate_key_pair()
    assert whoami(jwt.encode(claims, other_private, algorithm="EdDSA")) == 401
