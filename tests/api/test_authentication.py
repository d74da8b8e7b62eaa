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
