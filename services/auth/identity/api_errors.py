"""The auth API's answers to refusals: field-level 400s, and 401/403/429 with a stable code.

Service functions raise Django's ``ValidationError`` (keyed by field) and :class:`AuthRefused`;
this handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) turns them into responses, so views hold
no rule. A login with an unknown address and one with a wrong password get the same answer;
a throttle and a lockout the same 429 shape (``retry_after`` and ``Retry-After``).
"""

from __future__ import annotations

import math

from auth_service.metrics import AUTH_FAILURES
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response

from wanzo_common.api.database_errors import exception_handler as common_exception_handler

from .errors import AuthRefused, Reason

MESSAGES = {
    Reason.INVALID_CREDENTIALS: (401, "invalid_credentials", "E-mail or password is wrong."),
    Reason.UNKNOWN_USER: (401, "invalid_credentials", "E-mail or password is wrong."),
    Reason.ACCOUNT_DISABLED: (403, "account_disabled", "This account is disabled."),
    Reason.TOKEN_INVALID: (401, "token_not_valid", "The token is not valid."),
    Reason.TOKEN_REVOKED: (401, "token_revoked", "The token was revoked."),
}
THROTTLED = "throttled"
TOO_MANY_ATTEMPTS = "too_many_attempts"


def refusal_response(refusal: AuthRefused) -> Response:
    if refusal.reason is Reason.ACCOUNT_LOCKED:
        seconds = 1
        if refusal.locked_until is not None:
            seconds = math.ceil((refusal.locked_until - timezone.now()).total_seconds())
        detail = "Too many wrong passwords for this address from here: try again later."
        return too_many_response(detail, code=TOO_MANY_ATTEMPTS, seconds=seconds)
    code, public, detail = MESSAGES[refusal.reason]
    return Response({"detail": detail, "code": public}, status=code)


def too_many_response(detail: str, *, code: str, seconds: float | None) -> Response:
    """429 with the seconds to wait in the body and in ``Retry-After``."""
    seconds = max(1, math.ceil(seconds or 1))
    body = {"detail": detail, "code": code, "retry_after": seconds}
    return Response(
        body, status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(seconds)}
    )


def _throttled(exc: exceptions.Throttled, context) -> Response:
    view = context.get("view")
    AUTH_FAILURES.labels(reason=THROTTLED, auth_method=getattr(view, "auth_method", "other")).inc()
    return too_many_response(
        "Too many requests: try again later.", code=THROTTLED, seconds=exc.wait
    )


def exception_handler(exc, context):
    if isinstance(exc, AuthRefused):
        return refusal_response(exc)
    if isinstance(exc, exceptions.Throttled):
        return _throttled(exc, context)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    return common_exception_handler(exc, context)
