"""Password reset: a link by e-mail, then a new password with its single-use token.

The token is Django's ``PasswordResetTokenGenerator``: an HMAC of the user's id, password hash,
last login and the time, so it dies when the password changes (single use) and after
``PASSWORD_RESET_TIMEOUT`` seconds; nothing is stored. The request answers the same for any
address (no e-mail, no event for an address with no active account); the confirmation ends
every session of the user, as a password change does (:func:`user_password_replace`).
Neither the token nor the address is ever logged.
"""

from __future__ import annotations

import uuid

from auth_service.metrics import TOKEN_GENERATION
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from .. import events
from ..errors import Reason
from ..models import User
from ..selectors import user_get, user_get_by_email
from ..throttling import lockout_clear
from .accounts import account_email_send, user_password_replace
from .sessions import auth_failure_count

RESET_TOKEN = "reset_token"
TOKEN_INVALID = "This reset link is not valid or has expired: ask for a new one."


def password_reset_link(*, user: User) -> tuple[str, str]:
    """``(uid, token)`` for the e-mail (made when the e-mail is sent, never stored)."""
    TOKEN_GENERATION.labels(token_type="reset").inc()
    uid = urlsafe_base64_encode(force_bytes(str(user.pk)))
    return uid, default_token_generator.make_token(user)


def _can_reset(user: User | None) -> bool:
    return user is not None and user.is_active and user.deleted_at is None and bool(user.email)


def password_reset_request(*, email: str) -> None:
    """E-mail a reset link to the address's active account, if there is one; publishes
    ``auth.password_reset_requested`` then. The caller is told nothing either way."""
    with transaction.atomic():
        user = user_get_by_email(email=email)
        if _can_reset(user):
            events.password_reset_requested(user)
            account_email_send(kind="password_reset", user=user)


def _user_of(uid: str) -> User | None:
    try:
        return user_get(user_id=uuid.UUID(force_str(urlsafe_base64_decode(uid))), for_update=True)
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def password_reset_confirm(*, uid: str, token: str, new_password: str, client: str) -> None:
    """Set the new password if the token is good; every session ends. A bad, used or expired
    token is a field error on ``token`` (counted in ``auth_failures_total``)."""
    with transaction.atomic():
        user = _user_of(uid)
        valid = _can_reset(user) and default_token_generator.check_token(user, token)
        if valid:
            user_password_replace(user=user, new_password=new_password, method="reset")
    if not valid:
        auth_failure_count(Reason.TOKEN_INVALID, auth_method=RESET_TOKEN)
        raise ValidationError({"token": [TOKEN_INVALID]})
    lockout_clear(email=user.email, client=client)
