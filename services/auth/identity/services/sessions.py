"""Sessions: log in with a password, rotate a refresh token, log out.

A session ends at logout, ``SESSION_LIFETIME`` after its login, or as soon as one of its
rotated refresh tokens is used again (RFC 9700 §4.14.2: the thief or the victim holds the newer
token, and auth cannot tell which): every refresh token of the session is revoked and
``auth.session_revoked`` tells the other services to refuse its access tokens.

Every refused attempt is recorded before it is raised: the lockout counter
(:mod:`identity.throttling`, per address and client), the ``auth.login_failed`` event (with the
true reason) and ``auth_failures_total``. The client sees one answer for an unknown address, a
wrong password and a disabled account (401 ``invalid_credentials``), each after one password
hash, and one answer for a locked pair (429, no hashing) whether the address exists or not.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from auth_service.metrics import AUTH_FAILURES, LOGIN_ATTEMPTS
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError

from wanzo_common.api.revocation import session_revoke
from wanzo_common.api.roles import user_type_label

from .. import events
from ..errors import AuthRefused, Reason
from ..models import User
from ..selectors import user_get, user_get_by_email
from ..throttling import login_failure_record, login_success_record, login_wait
from ..tokens import (
    SESSION_CLAIM,
    SESSION_START_CLAIM,
    RevokedTokenError,
    TokenPair,
    WanzoRefreshToken,
    refresh_token_parse,
    refresh_token_revoke,
    session_end,
    session_tokens_revoke,
    token_pair_issue,
)

PASSWORD = "password"
REFRESH_TOKEN = "refresh_token"
ACCESS_TOKEN = "access_token"


def auth_failure_count(reason: Reason, *, auth_method: str) -> None:
    AUTH_FAILURES.labels(reason=reason.value, auth_method=auth_method).inc()


def password_failure_record(*, email: str, client: str) -> tuple[int, datetime | None]:
    """One more wrong password for ``email`` from ``client`` (an account or not).

    Returns the attempt's number in this client's current run and, when this attempt reaches
    the threshold, the end of the lock it puts on the pair (answered as the other wrong
    passwords: the next attempt is the one refused).
    """
    attempt, seconds = login_failure_record(email=email, client=client)
    return attempt, (timezone.now() + timedelta(seconds=seconds)) if seconds else None


def password_wait_refusal(*, email: str, client: str) -> AuthRefused | None:
    """The refusal of a locked (address, client) pair, checked before any hashing."""
    seconds = login_wait(email=email, client=client)
    if not seconds:
        return None
    locked_until = timezone.now() + timedelta(seconds=seconds)
    return AuthRefused(Reason.ACCOUNT_LOCKED, locked_until=locked_until)


def password_dummy_check(password: str) -> None:
    """The work of a real password check, for an address with no usable password here."""
    check_password(password, _dummy_hash())


_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    algorithm = get_hasher().algorithm  # the preferred hasher of the current settings
    if algorithm not in _dummy_hashes:
        _dummy_hashes[algorithm] = make_password("wanzo-dummy-password")
    return _dummy_hashes[algorithm]


def session_user(*, user_id: str, for_update: bool = False) -> User:
    """The active user an access token names, or :class:`AuthRefused`.

    Access tokens are verified without the database (in every service); here, where the
    database is at hand, a token naming no user or a deactivated one is refused at once.
    """
    user = user_get(user_id=user_id, for_update=for_update)
    if user is None or not user.is_active:
        reason = Reason.TOKEN_INVALID if user is None else Reason.ACCOUNT_DISABLED
        auth_failure_count(reason, auth_method=ACCESS_TOKEN)
        raise AuthRefused(reason)
    return user


def session_login(*, email: str, password: str, client: str) -> tuple[User, TokenPair]:
    """Tokens for the account with this e-mail and password, or :class:`AuthRefused`.

    ``client`` is the caller's address: the lockout counts per (address, client).
    """
    with transaction.atomic():
        user = user_get_by_email(email=email, for_update=True)
        refusal = _login_refusal(user, email, password, client=client)
        if refusal is None:
            pair = _login_accept(user)
    user_type = user_type_label(user.role if user else None)
    if refusal is not None:
        status = "locked" if refusal.reason is Reason.ACCOUNT_LOCKED else "failure"
        LOGIN_ATTEMPTS.labels(status=status, user_type=user_type, auth_method=PASSWORD).inc()
        auth_failure_count(refusal.reason, auth_method=PASSWORD)
        if refusal.reason is Reason.ACCOUNT_LOCKED:
            raise refusal
        raise AuthRefused(Reason.INVALID_CREDENTIALS)  # one answer for every other refusal
    login_success_record(email=email, client=client)
    LOGIN_ATTEMPTS.labels(status="success", user_type=user_type, auth_method=PASSWORD).inc()
    return user, pair


def _login_refusal(
    user: User | None, email: str, password: str, *, client: str
) -> AuthRefused | None:
    attempt = None
    refusal = password_wait_refusal(email=email, client=client)
    if refusal is not None:  # no hashing: a locked pair costs nothing
        pass
    elif user is None:
        password_dummy_check(password)  # the cost of a real check: no timing oracle
        attempt, locked_until = password_failure_record(email=email, client=client)
        refusal = AuthRefused(Reason.UNKNOWN_USER, locked_until=locked_until)
    elif not user.check_password(password):
        attempt, locked_until = password_failure_record(email=email, client=client)
        refusal = AuthRefused(Reason.INVALID_CREDENTIALS, locked_until=locked_until)
    elif not user.is_active:
        refusal = AuthRefused(Reason.ACCOUNT_DISABLED)
    else:
        return None
    events.login_failed(
        reason=refusal.reason.value, user=user, attempt=attempt, locked_until=refusal.locked_until
    )
    return refusal


def _login_accept(user: User) -> TokenPair:
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    pair = token_pair_issue(user=user)
    events.login_succeeded(user, session_id=pair.session_id)
    return pair


def _verified_refresh(raw: str, *, reuse_ends_session: bool = False) -> WanzoRefreshToken:
    try:
        return refresh_token_parse(raw)
    except RevokedTokenError as exc:
        if reuse_ends_session:
            _session_reuse(exc.payload)
        reason = Reason.TOKEN_REVOKED
    except TokenError:
        reason = Reason.TOKEN_INVALID
    auth_failure_count(reason, auth_method=REFRESH_TOKEN)
    raise AuthRefused(reason)


def _refuse_token(reason: Reason) -> AuthRefused:
    auth_failure_count(reason, auth_method=REFRESH_TOKEN)
    return AuthRefused(reason)


def session_refresh(*, refresh: str) -> TokenPair:
    """Rotate: the presented refresh token is blacklisted and a new pair issued (same session).

    Claims come from the database, so a changed role is in the new access token; a
    deactivated user gets nothing even if a refresh token of theirs escaped revocation.
    """
    token = _verified_refresh(refresh, reuse_ends_session=True)
    user = user_get(user_id=token.get("user_id"))
    if user is None:
        raise _refuse_token(Reason.TOKEN_INVALID)
    if not user.is_active:
        raise _refuse_token(Reason.ACCOUNT_DISABLED)
    if session_end(token) <= timezone.now().timestamp():  # tokens are capped; a shorter setting
        raise _refuse_token(Reason.TOKEN_INVALID)
    with transaction.atomic():
        rotated = refresh_token_revoke(token)
        if rotated:
            pair = token_pair_issue(
                user=user,
                session_id=token.get(SESSION_CLAIM),
                session_started=token.get(SESSION_START_CLAIM, token.get("iat")),
            )
    if not rotated:  # used twice: another request rotated it first
        _session_reuse(token.payload)
        raise _refuse_token(Reason.TOKEN_REVOKED)
    return pair


def _session_reuse(claims: dict) -> None:
    """A rotated refresh token came back: end its session (once) and tell every service."""
    user_id, session_id = str(claims.get("user_id")), claims.get(SESSION_CLAIM)
    if not session_id:
        return
    with transaction.atomic():
        if session_tokens_revoke(user_id=user_id, session_id=session_id):
            events.session_revoked(
                user_id=user_id, session_id=session_id, reason="refresh_token_reuse"
            )


def session_logout(*, refresh: str) -> None:
    """Revoke the session's refresh token and its access tokens (here now, elsewhere on
    ``auth.logout``)."""
    token = _verified_refresh(refresh)
    with transaction.atomic():
        revoked = refresh_token_revoke(token)
        if revoked:
            events.logout(user_id=str(token.get("user_id")), session_id=token.get(SESSION_CLAIM))
            if token.get(SESSION_CLAIM):  # its access tokens: refused here now, elsewhere by event
                session_revoke(session_id=token[SESSION_CLAIM], not_before=timezone.now())
    if not revoked:
        raise _refuse_token(Reason.TOKEN_REVOKED)
