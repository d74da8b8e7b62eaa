"""The ``WANZO_AUTH`` settings, with defaults, read on every use (never cached at import)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

DEFAULTS = {"LOCKOUT_THRESHOLD": 5, "LOCKOUT_MINUTES": 15}


def auth_setting(name: str) -> int:
    return {**DEFAULTS, **getattr(settings, "WANZO_AUTH", {})}[name]


def lockout_threshold() -> int:
    """Wrong passwords in a row that lock an account."""
    return auth_setting("LOCKOUT_THRESHOLD")


def lockout_duration() -> timedelta:
    return timedelta(minutes=auth_setting("LOCKOUT_MINUTES"))
