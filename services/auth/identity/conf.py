"""The ``WANZO_AUTH`` settings, with defaults, read on every use (never cached at import)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

# The special-use top-level domains no one can hold in the public DNS (RFC 2606 §2, RFC 6761
# §6: test, example, invalid, localhost; RFC 6762: local; RFC 7686: onion; RFC 9476: alt).
# An address there can receive no mail and belongs to no one: refused at sign-up.
RESERVED_TOP_LEVEL_DOMAINS = ("alt", "example", "invalid", "local", "localhost", "onion", "test")

DEFAULTS = {
    "LOCKOUT_THRESHOLD": 5,
    "LOCKOUT_MINUTES": 15,
    "ACCOUNT_FAILURES_PER_HOUR": 100,
    "KNOWN_CLIENT_DAYS": 30,
    "RESERVED_TOP_LEVEL_DOMAINS": RESERVED_TOP_LEVEL_DOMAINS,
    "PASSWORD_RESET_URL": "",
}


def auth_setting(name: str):
    return {**DEFAULTS, **getattr(settings, "WANZO_AUTH", {})}[name]


def lockout_threshold() -> int:
    """Wrong passwords in a row, for one address from one client, that lock that pair."""
    return auth_setting("LOCKOUT_THRESHOLD")


def lockout_duration() -> timedelta:
    return timedelta(minutes=auth_setting("LOCKOUT_MINUTES"))


def account_failures_per_hour() -> int:
    """Wrong passwords an hour for one address, from every client it has never signed in from
    (ASVS 2.2.1: at most 100); past it, only clients it signed in from may try."""
    return auth_setting("ACCOUNT_FAILURES_PER_HOUR")


def known_client_lifetime() -> timedelta:
    """How long a client that signed in stays known to the account."""
    return timedelta(days=auth_setting("KNOWN_CLIENT_DAYS"))


def reserved_top_level_domains() -> frozenset[str]:
    return frozenset(name.lower().strip(".") for name in auth_setting("RESERVED_TOP_LEVEL_DOMAINS"))


def password_reset_url() -> str:
    """The page of the app that takes ``{uid}`` and ``{token}`` (empty: the e-mail gives both)."""
    return auth_setting("PASSWORD_RESET_URL")
