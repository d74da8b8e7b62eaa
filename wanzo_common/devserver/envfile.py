"""Each service's ``.env``: created from ``.env.example`` with a fresh secret key.

It also names the development token keys ``make up`` made (``var/jwt/``): the public key in
every service, the private key in auth's only.

A file ``make up`` creates is a development file: ``DJANGO_DEBUG=true`` whatever the example says,
so that every command of the README (``manage.py check``, ``runserver``, ``consume_events``...)
runs in that service on the seed's ``USE_KAFKA=false`` mock, which the system checks refuse only
with ``DEBUG`` off (``wanzo_events.E006``). The example itself, the image, compose and Kubernetes
keep ``DEBUG`` off; a ``.env`` the user wrote is left as it is.

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
# What a created .env says whatever .env.example says: this machine is a developer's.
DEVELOPMENT = {"DJANGO_DEBUG": "true"}
HEADER = "# Written by make up for local development (DJANGO_DEBUG=true); yours to edit.\n"


def _with_value(text: str, name: str, value: str) -> str:
    """``text`` with ``name`` set to ``value`` (its empty line filled, or a line added)."""
    line = f"{name}={value}"
    lines = text.splitlines()
    for index, existing in enumerate(lines):
        if existing.strip().removeprefix("export ").split("=", 1)[0].strip() == name:
            lines[index] = line
            return "\n".join(lines) + "\n"
    return "\n".join([*lines, line]) + "\n"


def ensure_env_file(service_dir: Path, *, defaults: dict[str, str] | None = None) -> str | None:
    """Create ``.env`` from ``.env.example``; give it a secret key and ``defaults`` it lacks.

    ``defaults`` are values ``make up`` chose for this machine (the dev key files). Returns what
    was done, for the user; never a value.
    """
    env_path = service_dir / ".env"
    shown = f"services/{service_dir.name}/.env"
    created = not env_path.exists()
    if created:
        example = service_dir / ".env.example"
        fd = os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        text = HEADER + (example.read_text() if example.exists() else "")
        for name, value in DEVELOPMENT.items():
            text = _with_value(text, name, value)
        with os.fdopen(fd, "w") as stream:
            stream.write(text)
    text = env_path.read_text()
    current = Env(env_path, environ={})
    wanted = {SECRET_KEY: secrets.token_urlsafe(50), **(defaults or {})}
    added = [name for name in wanted if not current.str(name)]
    for name in added:
        text = _with_value(text, name, wanted[name])
    if added:
        env_path.write_text(text)
    if created:
        development = ", ".join(f"{name}={value}" for name, value in DEVELOPMENT.items())
        return f"created {shown} with {', '.join(added)} ({development})"
    return f"added {', '.join(added)} to {shown}" if added else None
