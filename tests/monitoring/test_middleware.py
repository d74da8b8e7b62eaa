"""PrometheusMiddleware and RequestIDMiddleware, through Django's test clients (in-process)."""

from __future__ import annotations

import base64
import logging
import re
import time

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.test import AsyncClient, Client, override_settings

from tests.monitoring.conftest import in_progress, requests_total, scrape_samples
from wanzo_common.monitoring.active_users import count_active
from wanzo_common.monitoring.exporter import build_registry
from wanzo_common.monitoring.logging import RequestIDFilter
from wanzo_common.monitoring.middleware import PrometheusMiddleware
from wanzo_common.monitoring.testing import assert_metric_delta, metric_value

ITEM_ROUTE = "api/items/<int:pk>/"
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def duration_count(method: str, route: str, status: int) -> float:
    return metric_value(
        "http_request_duration_seconds_count", method=method, route=route, status=status
    )


def http_series() -> set[tuple]:
    """Label sets of ``http_requests_total`` in the parsed exposition."""
    return {labels for (name, labels) in scrape_samples() if name == "http_requests_total"}


# --- labels ----------------------------------------------------------------------------------


def test_labels_are_method_route_template_and_status(client):
    before_duration = duration_count("GET", ITEM_ROUTE, 200)
    with assert_metric_delta("http_requests_total", 2, method="GET", route=ITEM_ROUTE, status=200):
        assert client.get("/api/items/1/").status_code == 200
        assert client.get("/api/items/987654/").status_code == 200
    assert duration_count("GET", ITEM_ROUTE, 200) - before_duration == 2
    series = http_series()
    assert (("method", "GET"), ("route", ITEM_ROUTE), ("status", "200")) in series
    assert not any("987654" in value for labels in series for _, value in labels)


def test_method_is_a_label(client):
    with assert_metric_delta("http_requests_total", 1, method="POST", route=ITEM_ROUTE, status=200):
        client.post("/api/items/3/")


def test_unresolved_path_is_404_with_the_unmatched_route(client):
    with assert_metric_delta(
        "http_requests_total", 1, method="GET", route="<unmatched>", status=404
    ):
        assert client.get("/no/such/page/").status_code == 404


@pytest.mark.parametrize("method", ["BREW", "PROPFIND"])
def test_unknown_methods_fold_into_other(client, method):
    with assert_metric_delta(
        "http_requests_total", 1, method="OTHER", route=ITEM_ROUTE, status=200
    ):
        client.generic(method, "/api/items/5/")
    assert requests_total(method, ITEM_ROUTE, 200) == 0


def test_view_raising_is_counted_as_500():
    client = Client(raise_request_exception=False)
    baseline = in_progress()
    with assert_metric_delta("http_requests_total", 1, method="GET", route="api/boom/", status=500):
        assert client.get("/api/boom/").status_code == 500
    assert in_progress() == baseline


def test_exception_escaping_the_stack_is_counted_as_500_and_reraised():
    """Django turns view exceptions into responses; this covers anything that still escapes."""

    def explode(request):
        assert in_progress() == baseline + 1
        raise RuntimeError("escaped")

    request = HttpRequest()
    request.method = "GET"
    baseline = in_progress()
    with assert_metric_delta(
        "http_requests_total", 1, method="GET", route="<unmatched>", status=500
    ):
        with pytest.raises(RuntimeError, match="escaped"):
            PrometheusMiddleware(explode)(request)
    assert in_progress() == baseline


def test_in_progress_is_up_during_the_request_and_back_after():
    seen = []

    def view(request):
        seen.append(in_progress())
        return HttpResponse("ok")

    request = HttpRequest()
    request.method = "GET"
    baseline = in_progress()
    PrometheusMiddleware(view)(request)
    assert seen == [baseline + 1]
    assert in_progress() == baseline


# --- streaming ---------------------------------------------------------------------------------


def test_streaming_response_counted_when_consumed(client):
    baseline = in_progress()
    before = requests_total("GET", "api/stream/", 200)
    response = client.get("/api/stream/")
    assert response.streaming
    assert requests_total("GET", "api/stream/", 200) == before  # not yet: nothing sent
    assert in_progress() == baseline + 1
    assert b"".join(response.streaming_content) == b"abc"
    assert requests_total("GET", "api/stream/", 200) == before + 1
    assert in_progress() == baseline


def test_streaming_response_closed_unconsumed_is_still_counted(client, db):
    """A server closes the response when the client goes away before the first chunk."""
    baseline = in_progress()
    before = requests_total("GET", "api/stream/", 200)
    response = client.get("/api/stream/")
    response.close()
    assert requests_total("GET", "api/stream/", 200) == before + 1
    assert in_progress() == baseline


def test_async_streaming_response_counted_when_consumed():
    async def scenario():
        response = await AsyncClient().get("/api/async-stream/")
        assert requests_total("GET", "api/async-stream/", 200) == before
        chunks = [chunk async for chunk in response.streaming_content]
        return b"".join(chunks)

    baseline = in_progress()
    before = requests_total("GET", "api/async-stream/", 200)
    assert async_to_sync(scenario)() == b"xyz"
    assert requests_total("GET", "api/async-stream/", 200) == before + 1
    assert in_progress() == baseline


# --- async views -------------------------------------------------------------------------------


def test_async_view_through_the_async_stack():
    baseline = in_progress()
    with assert_metric_delta(
        "http_requests_total", 1, method="GET", route="api/async/", status=200
    ):
        response = async_to_sync(AsyncClient().get)("/api/async/")
    assert response.status_code == 200
    assert response.content == b"async"
    assert in_progress() == baseline


def test_async_stack_unmatched_and_failing_views():
    client = AsyncClient(raise_request_exception=False)
    with assert_metric_delta(
        "http_requests_total", 1, method="GET", route="<unmatched>", status=404
    ):
        async_to_sync(client.get)("/nowhere/")
    with assert_metric_delta("http_requests_total", 1, method="GET", route="api/boom/", status=500):
        async_to_sync(client.get)("/api/boom/")


def test_async_view_through_the_sync_stack(client):
    with assert_metric_delta(
        "http_requests_total", 1, method="GET", route="api/async/", status=200
    ):
        assert client.get("/api/async/").content == b"async"


# --- bounded cardinality -----------------------------------------------------------------------


def test_ten_thousand_distinct_paths_leave_the_series_count_bounded(client, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")  # 5,000 "Not Found" lines
    before = http_series()
    for n in range(5_000):
        client.get(f"/api/items/{n}/")
        client.get(f"/random/{n}")
    added = http_series() - before
    assert added <= {
        (("method", "GET"), ("route", ITEM_ROUTE), ("status", "200")),
        (("method", "GET"), ("route", "<unmatched>"), ("status", "404")),
    }
    assert len(http_series()) == len(before) + len(added)
    assert len(http_series()) < 50


# --- active users ------------------------------------------------------------------------------


def basic_auth(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.fixture
def alice(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast
    return get_user_model().objects.create_user("alice", password="alice-pw")


def active_users_exposed() -> float:
    build_registry()  # registers the collector, as the exporter does
    samples = scrape_samples()
    return samples[("active_users", ())]


def test_authenticated_user_counted_once_after_many_requests(client, alice, fresh_active_users):
    for _ in range(20):
        assert client.get("/api/whoami/", **basic_auth("alice", "alice-pw")).status_code == 200
    assert count_active(None) == 1
    assert active_users_exposed() == 1


def test_anonymous_and_failed_logins_are_not_active_users(client, alice, fresh_active_users):
    assert client.get("/api/whoami/").status_code in (401, 403)
    assert client.get("/api/whoami/", **basic_auth("alice", "wrong")).status_code in (401, 403)
    assert client.get("/api/items/1/").status_code == 200
    assert count_active(None) == 0
    assert active_users_exposed() == 0


def test_two_users_are_two_active_users(client, alice, fresh_active_users):
    get_user_model().objects.create_user("bob", password="bob-pw")
    client.get("/api/whoami/", **basic_auth("alice", "alice-pw"))
    client.get("/api/whoami/", **basic_auth("bob", "bob-pw"))
    client.get("/api/whoami/", **basic_auth("alice", "alice-pw"))
    assert count_active(None) == 2


def test_active_user_expires_after_the_window(client, alice, fresh_active_users):
    with override_settings(WANZO_MONITORING={"ACTIVE_USERS_WINDOW": 60}):
        client.get("/api/whoami/", **basic_auth("alice", "alice-pw"))
        now = time.time()
        assert count_active(None, now=now + 30) == 1
        assert count_active(None, now=now + 61) == 0


# --- request ids -------------------------------------------------------------------------------


def test_well_formed_request_id_is_honoured_and_echoed(client):
    response = client.get("/api/items/1/", HTTP_X_REQUEST_ID="abc-123.def:9_X")
    assert response["X-Request-ID"] == "abc-123.def:9_X"


@pytest.mark.parametrize("bad", ["has\nnewline", "x" * 500, "spaces are bad", "", "semi;colon"])
def test_malformed_request_id_is_replaced(client, bad):
    response = client.get("/api/items/1/", HTTP_X_REQUEST_ID=bad)
    assert GENERATED_ID.match(response["X-Request-ID"])


def test_generated_request_ids_differ_and_are_echoed_on_errors():
    client = Client(raise_request_exception=False)
    ids = {client.get("/api/items/1/")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3 and all(GENERATED_ID.match(i) for i in ids)
    assert GENERATED_ID.match(client.get("/nowhere/")["X-Request-ID"])
    assert client.get("/api/boom/", HTTP_X_REQUEST_ID="req-500")["X-Request-ID"] == "req-500"


def test_async_stack_echoes_request_id():
    response = async_to_sync(AsyncClient().get)("/api/async/", headers={"X-Request-ID": "async-1"})
    assert response["X-Request-ID"] == "async-1"


@pytest.fixture
def request_id_records(caplog):
    caplog.handler.addFilter(RequestIDFilter())
    caplog.set_level(logging.INFO)
    return caplog


def test_request_id_on_a_views_log_records(client, request_id_records):
    client.get("/api/logged/", HTTP_X_REQUEST_ID="view-log-1")
    records = [r for r in request_id_records.records if r.getMessage() == "hello from a view"]
    assert [r.request_id for r in records] == ["view-log-1"]


def test_request_id_on_djangos_not_found_warning(client, request_id_records):
    client.get("/missing/page/", HTTP_X_REQUEST_ID="nf-404")
    records = [r for r in request_id_records.records if r.name == "django.request"]
    assert records and records[0].getMessage().startswith("Not Found")
    assert {r.request_id for r in records} == {"nf-404"}


def test_request_id_on_djangos_server_error(request_id_records):
    Client(raise_request_exception=False).get("/api/boom/", HTTP_X_REQUEST_ID="err-500")
    records = [r for r in request_id_records.records if r.name == "django.request"]
    assert records and records[0].getMessage().startswith("Internal Server Error")
    assert {r.request_id for r in records} == {"err-500"}


def test_generated_request_id_in_logs_matches_the_response(client, request_id_records):
    response = client.get("/api/logged/")
    records = [r for r in request_id_records.records if r.getMessage() == "hello from a view"]
    assert records[0].request_id == response["X-Request-ID"]


def test_records_outside_requests_get_a_dash(request_id_records):
    logging.getLogger("tests.monitoring").warning("outside")
    assert request_id_records.records[-1].request_id == "-"


def test_request_id_on_djangos_warning_logged_after_the_middleware(client, request_id_records):
    """A 4xx a view *returns* is logged by Django once the middleware chain has returned: the
    filter then finds the id on the request the record carries."""
    response = client.get("/api/whoami/", HTTP_X_REQUEST_ID="late-401")
    assert response.status_code in (401, 403)
    records = [r for r in request_id_records.records if r.name == "django.request"]
    assert records and {r.request_id for r in records} == {"late-401"}


def test_request_id_reaches_sync_views_under_the_async_stack(request_id_records):
    async_to_sync(AsyncClient().get)("/api/logged/", headers={"X-Request-ID": "a-to-s"})
    records = [r for r in request_id_records.records if r.getMessage() == "hello from a view"]
    assert [r.request_id for r in records] == ["a-to-s"]
