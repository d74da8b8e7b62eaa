"""The auth API's answers to refusals: field-level 400s, and 401/403/423 with a stable code.

Service functions raise Django's ``ValidationError`` (keyed by field) and :class:`AuthRefused`;
this handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) turns them into responses, so views hold
no rule. A login with an unknown address and one with a wrong password get the same answer.
"""

from __future__ import annotations

import math

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


def refusal_response(refusal: AuthRefused) -> Response:
    if refusal.locked_until is not None:
        return locked_response(refusal)
    if refusal.reason is Reason.ACCOUNT_LOCKED:  # no end known: never expected, still a 423
        return Response({"detail": "This account is locked.", "code": "account_locked"}, status=423)
    code, public, detail = MESSAGES[refusal.reason]
    return Response({"detail": detail, "code": public}, status=code)


def locked_response(refusal: AuthRefused) -> Response:
    seconds = max(0, math.ceil((refusal.locked_until - timezone.now()).total_seconds()))
    body = {
        "detail": "Too many failed logins: this account is locked for a while.",
        "code": "account_locked",
        "locked_until": refusal.locked_until.isoformat().replace("+00:00", "Z"),
        "retry_after": seconds,
    }
    return Response(body, status=status.HTTP_423_LOCKED, headers={"Retry-After": str(seconds)})


def exception_handler(exc, context):
    if isinstance(exc, AuthRefused):
        return refusal_response(exc)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    return common_exception_handler(exc, context)
