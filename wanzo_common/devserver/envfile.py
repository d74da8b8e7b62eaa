"""Each service's ``.env``: created from ``.env.example`` with a fresh secret key.

``make up`` must work on a fresh clone without a shared, committed key; a key is generated per
service and written only to its private (0600) ``.env``, never printed. The file is read back
through :class:`wanzo_common.env.Env`, as the service's settings read it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from wanzo_common.env import Env

SECRET_KEY = "DJANGO_SECRET_KEY"


def _with_secret_key(text: str) -> str:
    """``text`` with DJANGO_SECRET_KEY set to a fresh value (its empty line filled, or added)."""
    line = f"{SECRET_KEY}={secrets.token_urlsafe(50)}"
    lines = text.splitlines()
    for index, existing in enumerate(lines):
        if existing.strip().removeprefix("export ").split("=", 1)[0].strip() == SECRET_KEY:
            lines[index] = line
            return "\n".join(lines) + "\n"
    return "\n".join([*lines, line]) + "\n"


def ensure_env_file(service_dir: Path) -> str | None:
    """Create ``.env`` from ``.env.example`` and give it a secret key if it has none.

    Returns what was done, for the user; never the key itself.
    """
    env_path = service_dir / ".env"
    shown = f"services/{service_dir.name}/.env"
    if env_path.exists():
        if Env(env_path, environ={}).str(SECRET_KEY):
            return None
        env_path.write_text(_with_secret_key(env_path.read_text()))
        return f"added a fresh {SECRET_KEY} to {shown}"
    example = service_dir / ".env.example"
    text = example.read_text() if example.exists() else ""
    fd = os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as stream:
        stream.write(_with_secret_key(text))
    return f"created {shown} with a fresh {SECRET_KEY}"
