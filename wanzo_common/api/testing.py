"""Test helpers: access tokens and authenticated API clients for any role and organisation.

Test settings sign with :func:`wanzo_common.api.keys.throwaway_key_pair`, so a service's tests can
mint the tokens the auth service would issue::

    client = api_client(role="SME_OWNER", organization_id="org-1")
    client.get("/api/accounts/")
"""

from __future__ import annotations

import uuid

from rest_framework.test import APIClient
from wanzo_common.api.authentication import ORGANIZATION_CLAIM, ROLE_CLAIM, SESSION_CLAIM
from wanzo_common.api.tokens import AccessToken


def access_token(
    *,
    user_id: str | None = None,
    role: str = "SME_OWNER",
    organization_id: str | None = None,
    session_id: str | None = None,
) -> str:
    """An access token as auth issues them (``session_id``: the ``sid`` claim; a new one if
    not given)."""
    token = AccessToken()
    token["user_id"] = user_id or str(uuid.uuid4())
    token[ROLE_CLAIM] = role
    if organization_id:
        token[ORGANIZATION_CLAIM] = organization_id
    token[SESSION_CLAIM] = session_id or str(uuid.uuid4())
    return str(token)


def api_client(
    *, user_id: str | None = None, role: str = "SME_OWNER", organization_id: str | None = None
) -> APIClient:
    """An :class:`APIClient` sending a fresh access token with these claims."""
    client = APIClient()
    token = access_token(user_id=user_id, role=role, organization_id=organization_id)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
