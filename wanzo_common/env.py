"""The one reader of configuration variables: the process environment, then a ``.env`` file.

Service settings (:mod:`wanzo_common.settings`) and the launcher (``manage_all.py``) read the
same variables through :class:`Env`, so both agree on a port or a secret key: a variable set
in the environment wins (even empty), and an empty value means the default. The file is parsed by python-dotenv, never by
hand. Nothing here imports Django.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

__all__ = ["Env"]


class Env:
    """Reads a service's variables: ``environ`` (default: the process's) wins over ``env_file``."""

    def __init__(
        self, env_file: Path | None = None, *, environ: Mapping[str, str] | None = None
    ) -> None:
        self._file = dotenv_values(env_file) if env_file and env_file.exists() else {}
        self._environ = os.environ if environ is None else environ

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self._environ.get(name)
        if value is None:
            value = self._file.get(name)
        return default if value is None or value == "" else value

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.str(name)
        if value is None:
            return default
        return value.strip().lower() in {"1", "true", "yes", "on"}

    def int(self, name: str, default: int) -> int | str:
        value = self.str(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            # Kept as a string so that a system check can report it clearly.
            return value

    def list(self, name: str, default: list[str]) -> list[str]:
        value = self.str(name)
        if value is None:
            return default
        return [item.strip() for item in value.split(",") if item.strip()]
