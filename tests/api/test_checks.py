"""The token key checks: a service that cannot verify tokens does not start."""

from __future__ import annotations

from django.test import override_settings
from rest_framework_simplejwt.settings import api_settings

from wanzo_common.api.checks import check_jwt_keys
from wanzo_common.api.keys import generate_key_pair


def ids_with(**overrides) -> list[str]:
    with override_settings(SIMPLE_JWT={**api_settings.user_settings, **overrides}):
        return [error.id for error in check_jwt_keys()]


def test_the_test_key_pair_passes():
    assert ids_with() == []


def test_no_verifying_key_is_E001():
    assert ids_with(VERIFYING_KEY="") == ["wanzo_api.E001"]


def test_a_verifying_key_that_is_not_pem_is_E002():
    assert ids_with(VERIFYING_KEY="not a key") == ["wanzo_api.E002"]


def test_a_private_key_that_is_not_pem_is_E003():
    assert ids_with(SIGNING_KEY="not a key") == ["wanzo_api.E003"]


def test_keys_that_are_not_a_pair_are_E004():
    other_private, _ = generate_key_pair()
    assert ids_with(SIGNING_KEY=other_private) == ["wanzo_api.E004"]
