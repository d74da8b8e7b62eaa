"""Throttles and the lockout, on local memory and on a real Redis (``WANZO_REDIS_URL``).

The Redis runs use ``WANZO_REDIS_URL`` (a failure when it is set and down) or the local Redis's
database 2 (skipped when there is none); this suite's keys (``KEY_PREFIX``) are deleted around
each test, nothing else.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from identity.models import User
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, login, signup_payload
from wanzo_common.monitoring.testing import assert_metric_delta

pytestmark = pytest.mark.django_db

LOCAL_REDIS = "redis://127.0.0.1:6379/2"


def _redis_url() -> str:
    import redis

    url = os.environ.get("WANZO_REDIS_URL") or LOCAL_REDIS
    with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
        try:
            client.ping()
        except redis.ConnectionError as exc:
            if os.environ.get("WANZO_REDIS_URL"):
                raise
            pytest.skip(f"no Redis at {url}: {exc}")
    return url


PREFIX = "auth-throttle-test"


def _forget(url: str) -> None:
    """Delete this suite's keys only: the database may be shared (CI's WANZO_REDIS_URL)."""
    import redis

    with redis.Redis.from_url(url) as client:
        for key in client.scan_iter(f"{PREFIX}:*"):
            client.delete(key)


@pytest.fixture(params=["locmem", "redis"])
def throttle_cache(request, settings):
    """The ``throttle`` cache on each backend the service can run with."""
    if request.param == "locmem":
        yield request.param  # emptied around every test by conftest
        return
    url = _redis_url()
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": PREFIX,
        },
    }
    _forget(url)
    yield request.param
    _forget(url)


def rates(settings, **scopes: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scopes},
    }


class CountingHasher(MD5PasswordHasher):
    """MD5, counting how many passwords it hashes: the work a request costs."""

    algorithm = "md5"  # reads the suite's MD5 hashes
    hashed = 0

    def encode(self, password, salt):
        CountingHasher.hashed += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings):
    settings.PASSWORD_HASHERS = ["tests.test_throttling.CountingHasher"]

    def count(call) -> int:
        before = CountingHasher.hashed
        call()
        return CountingHasher.hashed - before

    return count


def client(ip: str, **headers) -> APIClient:
    return APIClient(REMOTE_ADDR=ip, **headers)


def attempt(api: APIClient, email: str, password: str = "wrong-password"):
    return api.post("/api/auth/login/", {"email": email, "password": password}, format="json")


def test_a_client_is_throttled_before_any_hashing(owner, settings, throttle_cache, hashes):
    rates(settings, login_ip="3/minute")
    guesser = client("198.51.100.7")
    for number in range(3):
        assert attempt(guesser, f"someone{number}@example.com").status_code == 401
    with assert_metric_delta("auth_failures_total", 1, reason="throttled", auth_method="password"):
        assert hashes(lambda: attempt(guesser, owner["email"], PASSWORD).status_code) == 0
    response = attempt(guesser, owner["email"], PASSWORD)
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60 and response.json()["retry_after"] > 0
    assert attempt(client("198.51.100.8"), owner["email"], PASSWORD).status_code == 200


def test_a_forged_forwarded_for_does_not_pick_a_new_bucket(owner, settings, throttle_cache):
    rates(settings, login_ip="2/minute")
    for number in range(3):
        spoofed = client("198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
        last = attempt(spoofed, owner["email"])
    assert last.status_code == 429


def test_a_trusted_proxy_names_the_client(owner, settings, throttle_cache):
    rates(settings, login_ip="1/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "192.0.2.1"
    assert (
        attempt(client(proxy, HTTP_X_FORWARDED_FOR="203.0.113.1"), owner["email"]).status_code
        == 401
    )
    assert (
        attempt(client(proxy, HTTP_X_FORWARDED_FOR="203.0.113.2"), owner["email"]).status_code
        == 401
    )
    assert (
        attempt(client(proxy, HTTP_X_FORWARDED_FOR="203.0.113.2"), owner["email"]).status_code
        == 429
    )


def test_ipv6_clients_count_per_64(owner, settings, throttle_cache):
    rates(settings, login_ip="1/minute")
    assert attempt(client("2001:db8:1:2::1"), owner["email"]).status_code == 401
    assert attempt(client("2001:db8:1:2:ffff::9"), owner["email"]).status_code == 429
    assert attempt(client("2001:db8:1:3::1"), owner["email"]).status_code == 401


def test_the_lockout_is_per_address_and_client(owner, throttle_cache, hashes):
    guesser = client("203.0.113.50")
    for _ in range(5):
        assert attempt(guesser, owner["email"]).status_code == 401
    assert hashes(lambda: attempt(guesser, owner["email"], PASSWORD).status_code) == 0
    assert attempt(guesser, owner["email"], PASSWORD).status_code == 429
    assert attempt(guesser, "other@example.com").status_code == 401  # other addresses: still
    assert attempt(client("203.0.113.51"), owner["email"], PASSWORD).status_code == 200


def test_the_account_budget_stops_many_clients_but_not_a_known_one(owner, settings, throttle_cache):
    settings.WANZO_AUTH = {"LOCKOUT_THRESHOLD": 5, "ACCOUNT_FAILURES_PER_HOUR": 4}
    home = client("192.0.2.10")
    assert attempt(home, owner["email"], PASSWORD).status_code == 200  # known from now on
    for number in range(4):  # a guesser with many addresses, one guess each
        assert attempt(client(f"203.0.113.{number}"), owner["email"]).status_code == 401
    fresh = attempt(client("203.0.113.99"), owner["email"], PASSWORD)
    assert fresh.status_code == 429 and fresh.json()["code"] == "too_many_attempts"
    assert attempt(home, owner["email"], PASSWORD).status_code == 200


def test_unknown_disabled_and_wrong_cost_one_hash_each(owner, throttle_cache, hashes):
    login("warm-up@example.com", "wrong-password")  # the dummy hash is made once
    assert hashes(lambda: login("nobody@example.com", "wrong-password")) == 1
    assert hashes(lambda: login(owner["email"], "wrong-password")) == 1
    User.objects.filter(email=owner["email"]).update(is_active=False)
    assert hashes(lambda: login(owner["email"], PASSWORD)) == 1


def test_register_is_throttled_per_address_and_per_client(db, settings, throttle_cache):
    rates(settings, register_account="2/hour", register_ip="3/hour")
    payload = signup_payload(email="busy@example.com")
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert client(ip).post("/api/auth/register/", payload, format="json").status_code == 202
    refused = client("198.51.100.3").post("/api/auth/register/", payload, format="json")
    assert refused.status_code == 429
    shop = client("198.51.100.4")
    for number in range(3):
        body = signup_payload(email=f"shop{number}@example.com")
        assert shop.post("/api/auth/register/", body, format="json").status_code == 202
    body = signup_payload(email="shop9@example.com")
    assert shop.post("/api/auth/register/", body, format="json").status_code == 429


def test_refresh_is_throttled_per_user(owner, settings, throttle_cache):
    rates(settings, refresh_account="2/minute")
    token = owner["refresh"]
    for ip in ("198.51.100.1", "198.51.100.2"):
        response = client(ip).post("/api/auth/token/refresh/", {"refresh": token}, format="json")
        assert response.status_code == 200
        token = response.json()["refresh"]
    third = client("198.51.100.3").post("/api/auth/token/refresh/", {"refresh": token})
    assert third.status_code == 429


def test_a_forged_refresh_token_spends_no_users_budget(owner, settings, throttle_cache):
    rates(settings, refresh_account="1/minute")
    forged = owner["refresh"][:-4] + "AAAA"
    for ip in ("198.51.100.1", "198.51.100.2"):
        response = client(ip).post("/api/auth/token/refresh/", {"refresh": forged}, format="json")
        assert response.status_code == 401
    good = client("198.51.100.3").post("/api/auth/token/refresh/", {"refresh": owner["refresh"]})
    assert good.status_code == 200


def test_password_change_is_throttled_per_user(owner, settings, throttle_cache):
    rates(settings, password_change_account="2/hour")
    api = client("198.51.100.1", HTTP_AUTHORIZATION=f"Bearer {owner['access']}")
    body = {"old_password": "not-it-at-all", "new_password": "Another-long-one-42"}
    for _ in range(2):
        assert api.post("/api/auth/password/change/", body, format="json").status_code == 400
    assert api.post("/api/auth/password/change/", body, format="json").status_code == 429


def test_rates_are_read_at_each_request(owner, settings, throttle_cache):
    rates(settings, login_ip="1/minute")
    assert attempt(client("198.51.100.1"), owner["email"]).status_code == 401
    assert attempt(client("198.51.100.1"), owner["email"]).status_code == 429
    rates(settings, login_ip="100/minute")
    assert attempt(client("198.51.100.1"), owner["email"]).status_code == 401


def test_a_known_and_a_new_address_cost_one_hash_each_at_sign_up(owner, hashes):
    login("warm-up@example.com", "wrong-password")  # the dummy hash is made once
    api = client("198.51.100.20")

    def sign_up(email: str):
        return lambda: api.post("/api/auth/register/", signup_payload(email=email), format="json")

    assert hashes(sign_up(owner["email"])) == hashes(sign_up("brand-new@example.com")) == 1
