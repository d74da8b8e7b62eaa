"""Guessing, bounded: DRF throttles per client and per account, and the password lockout.

Everything here lives in the ``throttle`` cache (Redis when ``AUTH_THROTTLE_REDIS_URL`` or
``REDIS_URL`` names one, so every worker shares the counts; local memory otherwise). Keys hold
a hash of the e-mail address, never the address.

* **DRF throttles** run before the view, so before any password hashing: ``<flow>_ip`` per
  client address and ``<flow>_account`` per account (the view says which account a request is
  about, :meth:`AccountThrottle.get_cache_key`). For a login the "account" is the pair (address,
  client): a throttle on the address alone would let anyone lock its owner out.
* **The lockout** counts wrong passwords per (address, client): ``LOCKOUT_THRESHOLD`` in a row
  lock that pair for ``LOCKOUT_MINUTES``, whatever the other clients do. An address unknown here
  counts and locks exactly the same, so the answers tell nothing about who has an account.
* **The account's budget**: past ``ACCOUNT_FAILURES_PER_HOUR`` wrong passwords in the current
  hour (from any client), only clients that signed in to it in the last ``KNOWN_CLIENT_DAYS`` may
  try: a guesser with many addresses gets no more, and its owner at home still signs in.

See ADR 0014 for the figures these defaults allow.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from .conf import (
    account_failures_per_hour,
    known_client_lifetime,
    lockout_duration,
    lockout_threshold,
)
from .models import normalize_email

CACHE_ALIAS = "throttle"
HOUR = 3600


def throttle_cache():
    return caches[CACHE_ALIAS]


def email_key(email: str) -> str:
    """The address as the cache knows it: a hash (no personal data in Redis keys)."""
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]


def client_ident(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or the one ``NUM_PROXIES`` trusted proxies name.

    IPv6 clients are counted per /64, the block one subscriber gets.
    """
    ident = BaseThrottle().get_ident(request)
    try:
        address = ipaddress.ip_address(ident)
    except ValueError:
        return ident
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class _RateThrottle(SimpleRateThrottle):
    """A DRF throttle on the ``throttle`` cache whose rate is read at each request.

    ``SimpleRateThrottle`` copies the rates when its module is imported; these read
    ``api_settings`` (reloaded on ``setting_changed``) every time. The view names its flow in
    ``throttle_scope``; the scope is ``<flow>_<suffix>``.
    """

    suffix = ""

    @property
    def cache(self):
        return throttle_cache()

    def allow_request(self, request, view) -> bool:
        self.scope = f"{view.throttle_scope}_{self.suffix}"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class ClientThrottle(_RateThrottle):
    """``<flow>_ip``: requests per client address."""

    suffix = "ip"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ident(request)}


class AccountThrottle(_RateThrottle):
    """``<flow>_account``: requests about one account (``view.throttle_account(request)``).

    None (no account named, or not in a form that could be one) leaves the client throttle alone.
    """

    suffix = "account"

    def get_cache_key(self, request, view) -> str | None:
        account = view.throttle_account(request)
        if not account:
            return None
        # Hashed: the request chose it (any length, any character).
        ident = hashlib.sha256(account.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


# --- the lockout --------------------------------------------------------------------------


def _hour_bucket(now: float) -> tuple[int, int]:
    """The current hour's number and the seconds left in it."""
    return int(now // HOUR), HOUR - int(now % HOUR)


def _increment(key: str, *, timeout: int) -> int:
    cache = throttle_cache()
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def login_wait(*, email: str, client: str) -> int:
    """Seconds before this client may try a password for this address again (0: now)."""
    cache, account, now = throttle_cache(), email_key(email), time.time()
    locked_until = cache.get(f"auth:lock:{account}:{client}")
    if locked_until and locked_until > now:
        return math.ceil(locked_until - now)
    hour, left = _hour_bucket(now)
    failures = cache.get(f"auth:fail:{account}:{hour}", 0)
    if failures >= account_failures_per_hour() and not cache.get(f"auth:known:{account}:{client}"):
        return left
    return 0


def login_failure_record(*, email: str, client: str) -> tuple[int, int]:
    """One more wrong password: ``(attempt in this client's run, seconds locked or 0)``."""
    cache, account, now = throttle_cache(), email_key(email), time.time()
    lockout = int(lockout_duration().total_seconds())
    hour, left = _hour_bucket(now)
    _increment(f"auth:fail:{account}:{hour}", timeout=left + 60)
    attempt = _increment(f"auth:run:{account}:{client}", timeout=lockout)
    if attempt < lockout_threshold():
        return attempt, 0
    cache.set(f"auth:lock:{account}:{client}", now + lockout, timeout=lockout)
    cache.delete(f"auth:run:{account}:{client}")
    return attempt, lockout


def login_success_record(*, email: str, client: str) -> None:
    """The run of failures ends, and this client is known to the account from now on."""
    cache, account = throttle_cache(), email_key(email)
    cache.delete(f"auth:run:{account}:{client}")
    cache.delete(f"auth:lock:{account}:{client}")
    days = int(known_client_lifetime().total_seconds())
    cache.set(f"auth:known:{account}:{client}", 1, timeout=days)


def lockout_clear(*, email: str, client: str) -> None:
    """After a password reset: this client's lock on the address is lifted."""
    login_success_record(email=email, client=client)
