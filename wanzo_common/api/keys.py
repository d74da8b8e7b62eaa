"""The token key pair: read from the environment or key files, or made for development.

Tokens are signed with Ed25519 (``EdDSA``): small keys, fast to verify and to generate. Only the
auth service holds the private key (``JWT_PRIVATE_KEY`` or ``JWT_PRIVATE_KEY_FILE``); every
service holds the public key (``JWT_PUBLIC_KEY`` or ``JWT_PUBLIC_KEY_FILE``), and during a key
rotation the others in use (``JWT_PUBLIC_KEYS`` or ``JWT_PUBLIC_KEYS_FILE``: several PEM blocks).
Keys are PEM text. A key's id (the ``kid`` header of the tokens it signs) is its RFC 7638
thumbprint, so every service computes the same id from the key alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from wanzo_common.env import Env

ALGORITHM = "EdDSA"
PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.DOTALL)


def generate_key_pair() -> tuple[str, str]:
    """A fresh ``(private_pem, public_pem)`` pair."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


@cache
def throwaway_key_pair() -> tuple[str, str]:
    """One pair per process, for test settings (never used outside tests)."""
    return generate_key_pair()


def with_test_keys(simple_jwt: dict) -> dict:
    """``SIMPLE_JWT`` signing and verifying with :func:`throwaway_key_pair` (test settings only)."""
    private_pem, public_pem = throwaway_key_pair()
    return {**simple_jwt, "SIGNING_KEY": private_pem, "VERIFYING_KEY": public_pem}


@cache
def throwaway_secret_key() -> str:
    """Django's ``SECRET_KEY`` for test settings and test children (one per process)."""
    return secrets.token_urlsafe(50)


def throwaway_key_env() -> dict[str, str]:
    """The environment giving a child process :func:`throwaway_key_pair` and a ``SECRET_KEY``
    (tests only: with ``DEBUG`` off a service refuses to start without one, wanzo_api.E008)."""
    private_pem, public_pem = throwaway_key_pair()
    return {
        "JWT_PRIVATE_KEY": private_pem,
        "JWT_PUBLIC_KEY": public_pem,
        "DJANGO_SECRET_KEY": throwaway_secret_key(),
    }


def read_key(env: Env, name: str) -> str | None:
    """``<name>`` (PEM text, ``\\n`` escapes allowed) or the file ``<name>_FILE`` names."""
    value = env.str(name)
    if value:
        return value.replace("\\n", "\n")
    path = env.str(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text()
        except OSError:
            return None  # reported by the system check wanzo_api.E002, with the path
    return None


def read_keys(env: Env, name: str) -> list[str]:
    """Every PEM block of ``<name>`` or of the file ``<name>_FILE`` (text that holds no PEM
    block is returned whole, for the system check to report)."""
    text = read_key(env, name)
    if not text or not text.strip():
        return []
    return PEM_BLOCK.findall(text) or [text]


def load_public_key(pem: str) -> Ed25519PublicKey:
    """The Ed25519 public key of ``pem``; ``ValueError`` for anything else."""
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"a {type(key).__name__.removeprefix('_')}, not an Ed25519 key")
    return key


def key_id(public: Ed25519PublicKey) -> str:
    """The key's RFC 7638 JWK thumbprint (SHA-256, base64url), as RFC 8037 defines it for OKP."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()
    return _b64url(hashlib.sha256(canonical).digest())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write_dev_key_pair(directory: Path) -> tuple[Path, Path]:
    """Create ``jwt_private.pem`` (0600) and ``jwt_public.pem`` in ``directory`` if missing."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / "jwt_private.pem"
    public_path = directory / "jwt_public.pem"
    if not (private_path.exists() and public_path.exists()):
        private_pem, public_pem = generate_key_pair()
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as stream:
            stream.write(private_pem)
        public_path.write_text(public_pem)
    return private_path, public_path
