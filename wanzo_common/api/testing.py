"""Test helpers: access tokens and authenticated API clients for any role and organisation.

Test settings sign with :func:`wanzo_common.api.keys.throwaway_key_pair`, so a service's tests can
mint the tokens the auth service would issue::

    client = api_client(role="SME_OWNER", organization_id="org-1")
    client.get("/api/accounts/")

:class:`RevocationContract` is the suite every service runs to show that it refuses revoked
tokens once it has handled the event::

    class TestRevocation(RevocationContract):
        path = "/api/accounts/"
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from wanzo_common.api.authentication import ORGANIZATION_CLAIM, ROLE_CLAIM, SESSION_CLAIM
from wanzo_common.api.tokens import AccessToken


def access_token(
    *,
    user_id: str | None = None,
    role: str = "SME_OWNER",
    organization_id: str | None = None,
    session_id: str | None = None,
    issued_at: datetime | None = None,
) -> str:
    """An access token as auth issues them (``session_id``: the ``sid`` claim; a new one if
    not given; ``issued_at``: its ``iat``, now if not given)."""
    token = AccessToken()
    # To the microsecond, as auth issues them (revocations compare instants).
    token["iat"] = (issued_at or token.current_time).timestamp()
    token["user_id"] = user_id or str(uuid.uuid4())
    token[ROLE_CLAIM] = role
    if organization_id:
        token[ORGANIZATION_CLAIM] = organization_id
    token[SESSION_CLAIM] = session_id or str(uuid.uuid4())
    return str(token)


def api_client(
    *,
    user_id: str | None = None,
    role: str = "SME_OWNER",
    organization_id: str | None = None,
    **claims,
) -> APIClient:
    """An :class:`APIClient` sending a fresh access token with these claims (and those of
    :func:`access_token`: ``session_id``, ``issued_at``)."""
    return bearer(
        access_token(user_id=user_id, role=role, organization_id=organization_id, **claims)
    )


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


class RevocationContract:
    """Tokens issued before a revocation event are refused once the service has handled it.

    Subclass it in a service's suite (named ``Test...``) with ``path``: a GET the ``role``
    (of organisation ``organization_id``) may call. Each case publishes the event as auth or
    admin would, runs the service's handlers over it, and calls ``path`` again.
    """

    path: str = ""
    role: str = "SME_OWNER"
    organization_id: str | None = "6c1f7e7e-0000-4000-8000-0000000000aa"

    def client(self, user_id: str, **claims) -> APIClient:
        """A client with a token issued a second ago (``user_id`` kept on it for the event)."""
        claims.setdefault("issued_at", timezone.now() - timedelta(seconds=1))
        client = api_client(
            user_id=user_id, role=self.role, organization_id=self.organization_id, **claims
        )
        client.user_id = user_id
        return client

    def refused(self, client: APIClient) -> bool:
        response = client.get(self.path)
        if response.status_code == 401:
            return response.json().get("code") == "token_revoked"
        assert response.status_code < 400, (response.status_code, response.content[:300])
        return False

    def deliver(self, events_outbox, type_name: str, **data) -> None:
        from wanzo_common.events import publish

        publish(type_name, data)
        stats = events_outbox.deliver()
        assert stats["handled"] >= 1, stats.outcomes

    def test_a_deactivation_refuses_the_users_earlier_tokens(self, db, events_outbox):
        user, other = self.client(str(uuid.uuid4())), self.client(str(uuid.uuid4()))
        assert not self.refused(user) and not self.refused(other)
        self.deliver(events_outbox, "user.status_changed", userId=user.user_id,
                     newStatus="suspended", previousStatus="active")  # fmt: skip
        assert self.refused(user)
        assert not self.refused(other)

    def test_a_reactivation_refuses_nothing(self, db, events_outbox):
        user = self.client(str(uuid.uuid4()))
        self.deliver(events_outbox, "user.status_changed", userId=user.user_id,
                     newStatus="active", previousStatus="inactive")  # fmt: skip
        assert not self.refused(user)

    def test_a_deletion_refuses_the_users_earlier_tokens(self, db, events_outbox):
        user = self.client(str(uuid.uuid4()))
        self.deliver(events_outbox, "user.deleted", userId=user.user_id)
        assert self.refused(user)

    def test_a_password_change_refuses_earlier_tokens_not_the_new_pair(self, db, events_outbox):
        user = str(uuid.uuid4())
        earlier = self.client(user)
        self.deliver(events_outbox, "auth.password_changed", userId=user, method="change")
        assert self.refused(earlier)
        # The pair issued with the new password, after the change.
        assert not self.refused(self.client(user, issued_at=timezone.now()))

    def test_an_ended_session_refuses_its_tokens_only(self, db, events_outbox):
        user, session = str(uuid.uuid4()), str(uuid.uuid4())
        ended, other = self.client(user, session_id=session), self.client(user)
        self.deliver(events_outbox, "auth.session_revoked", userId=user, sessionId=session)
        assert self.refused(ended)
        assert not self.refused(other)

    def test_a_logout_ends_its_session(self, db, events_outbox):
        user, session = str(uuid.uuid4()), str(uuid.uuid4())
        ended, other = self.client(user, session_id=session), self.client(user)
        self.deliver(events_outbox, "auth.logout", userId=user, sessionId=session)
        assert self.refused(ended)
        assert not self.refused(other)
