"""System checks of the auth service: it must be able to sign, and the lockout must be sane."""

from __future__ import annotations

import pytest
from auth_service.checks import (
    check_lockout_settings,
    check_signing_key,
    check_throttle_cache,
    check_throttle_settings,
)


def test_no_signing_key_is_auth_service_e001(settings):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": ""}
    [error] = check_signing_key()
    assert error.id == "auth_service.E001" and "JWT_PRIVATE_KEY" in error.hint


def test_the_test_settings_sign():
    assert check_signing_key() == []


@pytest.mark.parametrize("value", [0, -1, "five", True])
def test_bad_lockout_settings_are_auth_service_e002(settings, value):
    settings.WANZO_AUTH = {"LOCKOUT_THRESHOLD": value, "LOCKOUT_MINUTES": 15}
    [error] = check_lockout_settings()
    assert error.id == "auth_service.E002" and "LOCKOUT_THRESHOLD" in error.msg


def test_the_budget_settings_are_checked_too(settings):
    settings.WANZO_AUTH = {"ACCOUNT_FAILURES_PER_HOUR": 0}
    [error] = check_lockout_settings()
    assert error.id == "auth_service.E002" and "ACCOUNT_FAILURES_PER_HOUR" in error.msg


def test_the_default_throttles_pass():
    assert check_throttle_settings() == []


@pytest.mark.parametrize("rate", ["thirty/minute", "30", "30/fortnight"])
def test_a_bad_throttle_rate_is_auth_service_e003(settings, rate):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login_ip": rate}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    [error] = check_throttle_settings()
    assert error.id == "auth_service.E003" and "AUTH_THROTTLE_LOGIN_IP" in error.hint


@pytest.mark.parametrize("proxies", ["one", -1, None])
def test_a_bad_proxy_count_is_auth_service_e004(settings, proxies):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    [error] = check_throttle_settings()
    assert error.id == "auth_service.E004"


def test_throttles_in_process_memory_are_a_warning_outside_debug(settings):
    [warning] = check_throttle_cache()
    assert warning.id == "auth_service.W001" and "AUTH_THROTTLE_REDIS_URL" in warning.hint
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/2",
        },
    }
    assert check_throttle_cache() == []
