"""Request metrics and request ids.

``PrometheusMiddleware`` must come first in ``MIDDLEWARE`` so that it times and counts every
response, including those other middleware produce. It labels by the URL *pattern* that
resolved (``api/items/<int:pk>/``), never by the raw path, so the series count stays bounded
however many ids clients send. It is on every request's path, so it caches the labelled metric
children and does no work it can put off.
"""

from __future__ import annotations

import re
import uuid
from time import perf_counter

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import SimpleLazyObject, empty

from wanzo_common.monitoring import logging as request_logging
from wanzo_common.monitoring.active_users import ACTIVE_USERS
from wanzo_common.monitoring.metrics import (
    HTTP_DURATION,
    HTTP_IN_PROGRESS,
    HTTP_REQUESTS,
)

UNMATCHED_ROUTE = "<unmatched>"
OTHER_METHOD = "OTHER"
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else UNMATCHED_ROUTE


def _authenticated_user_pk(request: HttpRequest):
    """The pk of the user the request authenticated as, without triggering authentication.

    Reading ``request.user`` would force a session lookup on requests that never needed one;
    DRF replaces the lazy object with the real user when a view authenticates.
    """
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user.pk if user.is_authenticated else None


class PrometheusMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        # (method, route, status) -> (counter child, histogram child): labels() is looked up once
        self._children: dict[tuple[str, str, int], tuple] = {}
        self._is_async = iscoroutinefunction(get_response)
        if self._is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if self._is_async:
            return self._acall(request)
        start = perf_counter()
        HTTP_IN_PROGRESS.inc()
        try:
            response = self.get_response(request)
        except BaseException:
            self._finish(request, 500, start)
            raise
        return self._observe(request, response, start)

    async def _acall(self, request: HttpRequest):
        start = perf_counter()
        HTTP_IN_PROGRESS.inc()
        try:
            response = await self.get_response(request)
        except BaseException:
            self._finish(request, 500, start)
            raise
        return self._observe(request, response, start)

    def _observe(self, request: HttpRequest, response: HttpResponseBase, start: float):
        if response.streaming:
            # Time the whole stream: a streaming view's work happens while it is consumed.
            self._wrap_stream(request, response, start)
        else:
            self._finish(request, response.status_code, start)
        return response

    def _finish(self, request: HttpRequest, status: int, start: float) -> None:
        elapsed = perf_counter() - start
        HTTP_IN_PROGRESS.dec()
        method = request.method if request.method in KNOWN_METHODS else OTHER_METHOD
        key = (method, route_of(request), status)
        children = self._children.get(key)
        if children is None:
            labels = (key[0], key[1], str(status))
            children = (HTTP_REQUESTS.labels(*labels), HTTP_DURATION.labels(*labels))
            self._children[key] = children
        children[0].inc()
        children[1].observe(elapsed)
        pk = _authenticated_user_pk(request)
        if pk is not None:
            ACTIVE_USERS.seen(pk)

    def _wrap_stream(self, request, response, start: float) -> None:
        status = response.status_code
        content = response.streaming_content
        done = False

        def finish() -> None:
            # Once: when the stream ends, or when the response is closed before its first chunk
            # (a generator closed before it started never runs its ``finally``).
            nonlocal done
            if not done:
                done = True
                self._finish(request, status, start)

        if response.is_async:

            async def observed():
                try:
                    async for chunk in content:
                        yield chunk
                finally:
                    finish()

        else:

            def observed():
                try:
                    yield from content
                finally:
                    finish()

        response.streaming_content = observed()
        response._resource_closers.append(finish)


_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIDMiddleware:
    """Honours a well-formed incoming ``X-Request-ID`` (else makes one), puts it in the logs
    of everything the request does, and echoes it in the response."""

    sync_capable = True
    async_capable = True
    header = "X-Request-ID"

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._meta_key = "HTTP_" + self.header.upper().replace("-", "_")
        self._is_async = iscoroutinefunction(get_response)
        if self._is_async:
            markcoroutinefunction(self)

    def _request_id(self, request: HttpRequest) -> str:
        # request.META, not request.headers: building the headers mapping costs more than
        # everything else this middleware does.
        incoming = request.META.get(self._meta_key, "")
        return incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex

    def __call__(self, request: HttpRequest):
        if self._is_async:
            return self._acall(request)
        request.id = self._request_id(request)
        token = request_logging.set_request_id(request.id)
        try:
            response = self.get_response(request)
        finally:
            request_logging.reset_request_id(token)
        response[self.header] = request.id
        return response

    async def _acall(self, request: HttpRequest):
        request.id = self._request_id(request)
        token = request_logging.set_request_id(request.id)
        try:
            response = await self.get_response(request)
        finally:
            request_logging.reset_request_id(token)
        response[self.header] = request.id
        return response
