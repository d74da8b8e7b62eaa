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


def ids_with_set(public_keys: list[str], **overrides) -> list[str]:
    with override_settings(WANZO_API={"PUBLIC_KEYS": public_keys}):
        return ids_with(**overrides)


def test_a_key_set_with_the_next_key_passes():
    _, next_public = generate_key_pair()
    assert ids_with_set([next_public]) == []


def test_a_key_of_the_set_that_is_not_pem_is_E005():
    assert ids_with_set(["-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"]) == [
        "wanzo_api.E005"
    ]


def test_a_key_that_is_not_ed25519_is_E006():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    assert ids_with_set([pem]) == ["wanzo_api.E006"]


def test_a_key_given_twice_is_E007():
    assert ids_with_set([api_settings.VERIFYING_KEY]) == ["wanzo_api.E007"]


def test_a_signing_key_paired_with_a_key_of_the_set_passes():
    # Mid-rotation in auth: signing with the new key, the old one first in the set.
    new_private, new_public = generate_key_pair()
    assert ids_with_set([new_public], SIGNING_KEY=new_private) == []


def test_no_secret_key_with_debug_off_is_E008():
    from wanzo_common.api.checks import check_secret_key

    with override_settings(SECRET_KEY="", DEBUG=False):
        assert [error.id for error in check_secret_key()] == ["wanzo_api.E008"]
    with override_settings(SECRET_KEY="", DEBUG=True):
        assert check_secret_key() == []
    assert check_secret_key() == []  # the test settings set one


def test_the_shared_settings_have_no_fallback_key_with_debug_off(tmp_path, monkeypatch):
    from wanzo_common.ports import ServicePorts
    from wanzo_common.settings import build

    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.setenv("DJANGO_DEBUG", "false")
    ports = ServicePorts(app=1, metrics=2, celery=3, events=0, relay=0)
    assert build(service="x", base_dir=tmp_path, ports=ports)["SECRET_KEY"] == ""
    monkeypatch.setenv("DJANGO_SECRET_KEY", "from-the-environment")
    assert (
        build(service="x", base_dir=tmp_path, ports=ports)["SECRET_KEY"] == "from-the-environment"
    )
