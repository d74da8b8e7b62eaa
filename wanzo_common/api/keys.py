"""The token key pair: read from the environment or key files, or made for development.

Tokens are signed with Ed25519 (``EdDSA``): small keys, fast to verify and to generate. Only the
auth service holds the private key (``JWT_PRIVATE_KEY`` or ``JWT_PRIVATE_KEY_FILE``); every
service holds the public key (``JWT_PUBLIC_KEY`` or ``JWT_PUBLIC_KEY_FILE``). Keys are PEM text.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wanzo_common.env import Env

ALGORITHM = "EdDSA"


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


def throwaway_key_env() -> dict[str, str]:
    """The environment giving a child process :func:`throwaway_key_pair` (tests only)."""
    private_pem, public_pem = throwaway_key_pair()
    return {"JWT_PRIVATE_KEY": private_pem, "JWT_PUBLIC_KEY": public_pem}


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
