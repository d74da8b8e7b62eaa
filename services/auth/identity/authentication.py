"""The auth service's token check: the shared one, plus the caller's row in its database.

Elsewhere an access token is trusted until it expires or a revocation event arrives
(:mod:`wanzo_common.api.revocation`). Here the users are at hand, so every authenticated
request also loads the user the token names and refuses one that does not exist (401
``token_not_valid``) or is deactivated or deleted (403 ``account_disabled``), as ``me/`` always
did: one primary-key lookup. A password change revokes in this database in its own
transaction, so the old tokens are refused here at once.
"""

from __future__ import annotations

from wanzo_common.api.authentication import JWTAuthentication

from .services import session_user


class UserJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        session_user(user_id=user.id)  # raises AuthRefused (answered by api_errors)
        return user
