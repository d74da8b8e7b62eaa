"""``PrometheusController``: the WSGI app behind the dedicated metrics port.

It is not a Django view on purpose: the metrics port must answer even when the app's URL
configuration, middleware or database are broken, and must not show up in
``http_requests_total``. Optional protection by bearer token or basic auth, compared in
constant time.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable, Iterable

from prometheus_client.exposition import choose_encoder


class PrometheusController:
    paths = ("/metrics", "/")

    def __init__(
        self,
        registry,
        *,
        bearer_token: str | None = None,
        basic_auth: str | None = None,
    ) -> None:
        self.registry = registry
        self._expected: str | None = None
        if bearer_token:
            self._expected = f"Bearer {bearer_token}"
        elif basic_auth:
            self._expected = "Basic " + base64.b64encode(basic_auth.encode()).decode()

    def _authorized(self, environ) -> bool:
        if self._expected is None:
            return True
        given = environ.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(given.encode(), self._expected.encode())

    def __call__(self, environ, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "/") not in self.paths:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not found: metrics are at /metrics\n"]
        if not self._authorized(environ):
            challenge = "Bearer" if self._expected.startswith("Bearer") else 'Basic realm="metrics"'
            start_response(
                "401 Unauthorized",
                [("Content-Type", "text/plain"), ("WWW-Authenticate", challenge)],
            )
            return [b"Unauthorized\n"]
        encoder, content_type = choose_encoder(environ.get("HTTP_ACCEPT"))
        body = encoder(self.registry)
        start_response("200 OK", [("Content-Type", content_type)])
        return [body]
