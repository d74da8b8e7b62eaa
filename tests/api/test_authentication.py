"""Tokens verified with the public key alone: claims become a WanzoUser; bad tokens are 401."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from wanzo_common.api.conf import AUDIENCE, ISSUER
from wanzo_common.api.keys import ALGORITHM, generate_key_pair, throwaway_key_pair
from wanzo_common.api.testing import access_token, api_client

pytestmark = pytest.mark.django_db


def whoami(client: APIClient):
    return client.get("/api/whoami/")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_token_of_auth_authenticates_with_its_claims():
    response = whoami(api_client(user_id="u-1", role="SME_OWNER", organization_id="org-1"))
    assert response.status_code == 200
    assert response.json() == {"id": "u-1"}


def test_the_user_exposes_role_organisation_and_a_bounded_user_type():
    from wanzo_common.api.authentication import WanzoUser

    token = AccessToken(access_token(user_id="u-2", role="INTERNAL_ADMIN"))
    user = WanzoUser(token)
    assert (user.id, user.role, user.organization_id) == ("u-2", "INTERNAL_ADMIN", None)
    assert user.is_internal and user.user_type == "internal_admin"
    token["role"] = "SOMETHING_ELSE"
    assert WanzoUser(token).user_type == "unknown"


def test_no_token_is_401():
    assert whoami(APIClient()).status_code in (401, 403)


def signed(private_pem: str, **claims) -> str:
    """A token made by hand with PyJWT: the auth service's claims, any key."""
    payload = {
        "token_type": "access",
        "user_id": "u-3",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": int(time.time()) + 60,
        "jti": "j",
        **claims,
    }
    return jwt.encode(payload, private_pem, algorithm=ALGORITHM)


def test_a_hand_made_token_with_the_right_key_is_accepted():
    assert whoami(bearer(signed(throwaway_key_pair()[0]))).status_code == 200


def test_a_token_signed_by_another_key_is_refused():
    other_private, _ = generate_key_pair()
    assert whoami(bearer(signed(other_private))).status_code == 401


def test_a_token_for_another_audience_or_issuer_is_refused():
    private = throwaway_key_pair()[0]
    assert whoami(bearer(signed(private, aud="someone-else"))).status_code == 401
    assert whoami(bearer(signed(private, iss="someone-else"))).status_code == 401


def test_an_unsigned_token_is_refused():
    unsigned = jwt.encode({"user_id": "u-3", "aud": AUDIENCE, "iss": ISSUER}, None, "none")
    assert whoami(bearer(unsigned)).status_code == 401


def test_an_expired_token_is_refused():
    token = AccessToken()
    token["user_id"] = "u-4"
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert whoami(bearer(str(token))).status_code == 401


# -- tokens verified once per process ----------------------------------------------------


def count_decodes(monkeypatch) -> list[int]:
    from wanzo_common.api.tokens import KeySetBackend

    calls = [0]
    decode = KeySetBackend.decode

    def counted(self, token, verify=True):
        calls[0] += 1
        return decode(self, token, verify=verify)

    monkeypatch.setattr(KeySetBackend, "decode", counted)
    return calls


def test_a_token_is_verified_once_then_recognised_by_its_text(monkeypatch):
    decodes = count_decodes(monkeypatch)
    client = bearer(signed(throwaway_key_pair()[0], user_id="u-5"))
    assert [whoami(client).status_code for _ in range(3)] == [200, 200, 200]
    assert decodes[0] == 1
    other = bearer(signed(throwaway_key_pair()[0], user_id="u-6"))
    assert whoami(other).json() == {"id": "u-6"} and decodes[0] == 2  # another text: verified


def test_a_remembered_token_is_refused_once_it_expires(monkeypatch):
    from wanzo_common.api import authentication

    token = signed(throwaway_key_pair()[0], exp=int(time.time()) + 30)
    assert whoami(bearer(token)).status_code == 200
    later = time.time() + 31
    monkeypatch.setattr(authentication.time, "time", lambda: later)
    monkeypatch.setattr(jwt.api_jwt, "datetime", _FrozenDatetime(later))
    assert whoami(bearer(token)).status_code == 401


def test_a_refused_token_is_not_remembered(monkeypatch):
    decodes = count_decodes(monkeypatch)
    forged = bearer(signed(generate_key_pair()[0]))
    assert [whoami(forged).status_code for _ in range(2)] == [401, 401]
    assert decodes[0] == 2


def test_a_remembered_token_is_still_checked_for_revocation():
    from django.utils import timezone

    from wanzo_common.api import revocation

    token = signed(throwaway_key_pair()[0], user_id="u-7", iat=int(time.time()) - 5)
    assert whoami(bearer(token)).status_code == 200
    revocation.user_revoke(user_id="u-7", not_before=timezone.now())
    assert whoami(bearer(token)).status_code == 401


def test_a_new_key_set_forgets_the_remembered_tokens(settings):
    token = bearer(signed(throwaway_key_pair()[0]))
    assert whoami(token).status_code == 200
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "VERIFYING_KEY": generate_key_pair()[1]}
    assert whoami(token).status_code == 401  # verified again, with a key set that lacks its key


class _FrozenDatetime:
    """PyJWT reads the time through ``datetime.now(tz=timezone.utc)``: this one is ``at``."""

    def __init__(self, at: float) -> None:
        from datetime import datetime, timezone

        self.at = datetime.fromtimestamp(at, tz=timezone.utc)
        self.datetime = datetime

    def now(self, tz=None):
        return self.at

    def __getattr__(self, name):
        return getattr(self.datetime, name)
