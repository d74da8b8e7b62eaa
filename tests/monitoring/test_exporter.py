"""The exporter: a real HTTP server on an ephemeral port, scraped and parsed like Prometheus."""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.request

import pytest
from django.test import override_settings
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from wanzo_common.monitoring.exporter import start_exporter
from wanzo_common.monitoring.testing import parse_exposition, sample_sum

OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def get(server, path: str = "/metrics", **headers: str) -> tuple[int, dict, str]:
    host, port = server.server_address[:2]
    request = urllib.request.Request(f"http://{host}:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def serve():
    """Start exporters on ephemeral ports with the settings in force; stop them afterwards."""
    servers = []

    def start(**kwargs):
        server = start_exporter(port=0, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:  # shutdown() waits for serve_forever's 0.5 s poll: don't wait here
        threading.Thread(target=stop, args=(server,), daemon=True).start()


def stop(server) -> None:
    server.shutdown()
    server.server_close()


def test_serves_metrics_parsed_by_prometheus_parser(serve):
    server = serve()
    assert server.server_address[0] == "127.0.0.1"  # BIND_ADDRESS default
    status, headers, body = get(server)
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {family.name: family.type for family in text_string_to_metric_families(body)}
    assert families["http_requests"] == "counter"
    assert families["http_request_duration_seconds"] == "histogram"
    assert families["http_requests_in_progress"] == "gauge"
    assert families["database_query_duration_seconds"] == "histogram"
    assert families["active_users"] == "gauge"
    assert "process_cpu_seconds" in families  # runtime metrics of this process


def test_scrape_shows_requests_the_app_served(serve, client):
    server = serve()
    route = {"method": "GET", "route": "api/items/<int:pk>/", "status": "200"}
    before = sample_sum(parse_exposition(get(server)[2]), "http_requests_total", **route)
    client.get("/api/items/7/")
    client.get("/api/items/8/")
    after = sample_sum(parse_exposition(get(server)[2]), "http_requests_total", **route)
    assert after - before == 2


def test_scrapes_are_not_counted_as_app_requests(serve):
    server = serve()
    first = sample_sum(parse_exposition(get(server)[2]), "http_requests_total")
    for _ in range(3):
        get(server)
    assert sample_sum(parse_exposition(get(server)[2]), "http_requests_total") == first


@pytest.mark.parametrize("path", ["/other", "/metrics/extra", "/api/items/1/"])
def test_other_paths_are_404(serve, path):
    status, _, body = get(serve(), path)
    assert status == 404
    assert "/metrics" in body


def test_root_path_also_serves_metrics(serve):
    status, _, body = get(serve(), "/")
    assert status == 200
    assert parse_exposition(body)


def test_openmetrics_content_negotiation(serve):
    server = serve()
    status, headers, body = get(server, Accept=OPENMETRICS)
    assert status == 200
    assert headers["Content-Type"].startswith("application/openmetrics-text")
    families = {family.name: family for family in openmetrics_families(body)}  # needs "# EOF"
    assert families["http_requests"].type == "counter"
    assert families["http_request_duration_seconds"].type == "histogram"
    assert families["active_users"].type == "gauge"


def test_prometheus_text_when_openmetrics_is_not_accepted(serve):
    status, headers, body = get(serve(), Accept="text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    assert parse_exposition(body)


# --- protection --------------------------------------------------------------------------------


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


@override_settings(WANZO_MONITORING={"BEARER_TOKEN": "s3cret-token"})
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", "Bearer s3cret-tokenX", "bearer s3cret-token", basic("x:s3cret-token")],
)
def test_bearer_token_rejects_missing_or_wrong_credentials(serve, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    status, response_headers, body = get(serve(), **headers)
    assert status == 401
    assert response_headers["WWW-Authenticate"].startswith("Bearer")
    assert "http_requests_total" not in body


@override_settings(WANZO_MONITORING={"BEARER_TOKEN": "s3cret-token"})
def test_bearer_token_accepts_the_right_token(serve):
    status, _, body = get(serve(), Authorization="Bearer s3cret-token")
    assert status == 200
    assert parse_exposition(body)


@override_settings(WANZO_MONITORING={"BASIC_AUTH": "prometheus:pa55:word"})
@pytest.mark.parametrize(
    "authorization",
    [None, basic("prometheus:wrong"), basic("other:pa55:word"), "Bearer prometheus:pa55:word"],
)
def test_basic_auth_rejects_missing_or_wrong_credentials(serve, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    status, response_headers, _ = get(serve(), **headers)
    assert status == 401
    assert response_headers["WWW-Authenticate"].startswith("Basic")


@override_settings(WANZO_MONITORING={"BASIC_AUTH": "prometheus:pa55:word"})
def test_basic_auth_accepts_the_right_credentials(serve):
    status, _, body = get(serve(), Authorization=basic("prometheus:pa55:word"))
    assert status == 200
    assert parse_exposition(body)


@override_settings(WANZO_MONITORING={"BEARER_TOKEN": "s3cret-token"})
def test_protection_applies_to_404s_too_without_leaking(serve):
    status, _, _ = get(serve(), "/elsewhere")
    assert status == 404  # nothing to protect there, and no metrics in it


def test_settings_override_is_reread_by_the_next_exporter(serve):
    with override_settings(WANZO_MONITORING={"BEARER_TOKEN": "t"}):
        assert get(serve())[0] == 401
    assert get(serve())[0] == 200


# --- start-up: the one function every process (runserver, gunicorn, Celery, consume_events) calls


@override_settings(WANZO_MONITORING={"CELERY_PORT": 0})
def test_the_port_comes_from_the_named_setting_when_none_is_given():
    server = start_exporter(setting="CELERY_PORT")  # 0: an ephemeral port
    try:
        assert server is not None and server.server_port > 0
    finally:
        stop(server)


@override_settings(WANZO_MONITORING={"EXPORTER": "off"})
def test_nothing_starts_when_the_exporter_is_off():
    assert start_exporter(port=0) is None


def test_a_port_in_use_is_logged_and_none_returned(serve, caplog):
    taken = serve()
    with caplog.at_level("ERROR", logger="wanzo_common.monitoring.exporter"):
        again = start_exporter(port=taken.server_port, label="test exporter")
    assert again is None
    assert f"test exporter could not bind port {taken.server_port}" in caplog.text
