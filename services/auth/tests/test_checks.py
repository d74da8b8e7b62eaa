"""System checks of the auth service: it must be able to sign, and the lockout must be sane."""

from __future__ import annotations

import pytest
from auth_service.checks import check_lockout_settings, check_signing_key


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
