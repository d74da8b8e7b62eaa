"""JSON answers for the errors Django handles itself, outside DRF: never an HTML page.

DRF answers JSON for what happens inside a view. What happens around it — a URL no pattern
matches, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's ``RequestDataTooBig``, which DRF
re-raises), an unhandled exception — reaches Django's default views, which answer HTML. Each
service's ``urls.py`` names these views instead::

    handler400 = "wanzo_common.api.errors.bad_request"
    handler403 = "wanzo_common.api.errors.permission_denied"
    handler404 = "wanzo_common.api.errors.page_not_found"
    handler500 = "wanzo_common.api.errors.server_error"

Bodies have DRF's shape (``detail``, plus a stable ``code``) so clients parse one format.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, JsonResponse

__all__ = ["bad_request", "page_not_found", "permission_denied", "server_error"]

TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """400, or 413 when the request was refused for its size (Django raises those as 400s)."""
    if isinstance(exception, TOO_LARGE):
        body = {"detail": "Request body too large.", "code": "request_too_large"}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if isinstance(exception, RequestDataTooBig) and limit is not None:
            body["max_bytes"] = limit
        return JsonResponse(body, status=413)
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(
        {"detail": "You do not have permission to perform this action.", "code": "permission_denied"},
        status=403,
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)
