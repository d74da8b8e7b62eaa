"""The contract every Wanzo service meets, as pytest tests each service's suite imports.

    # services/<name>/tests/test_service_contract.py
    from wanzo_common.service_tests import *  # noqa: F401,F403

One suite, run in every service's own settings, so a service cannot drift from the others.
"""

from __future__ import annotations

import importlib

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from wanzo_common.api.parsers import MAX_DEPTH
from wanzo_common.api.roles import Role
from wanzo_common.monitoring.testing import assert_metric_delta

ORG_ID = "00000000-0000-4000-8000-0000000000aa"

__all__ = [
    "test_healthz_needs_nothing",
    "test_readyz_checks_the_database",
    "test_api_root_lists_the_service",
    "test_requests_are_counted_by_route_template",
    "test_system_checks_pass",
    "test_domain_metrics_are_declared_with_bounded_labels",
    "test_metrics_port_is_not_the_app_port",
    "test_openapi_schema_is_valid_without_warnings",
    "test_docs_page_works_offline",
    "test_deeply_nested_json_is_a_400_on_every_endpoint",
    "test_a_body_over_the_limit_is_a_json_413",
    "test_unknown_urls_answer_json_404",
    "test_invalid_pages_answer_json_404_with_a_detail",
    "test_method_not_allowed_is_json",
]


def test_healthz_needs_nothing():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_readyz_checks_the_database():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_api_root_lists_the_service():
    response = Client().get("/api/")
    assert response.status_code == 200
    assert response.json()["service"] == settings.SERVICE_NAME


def test_requests_are_counted_by_route_template():
    with assert_metric_delta(
        "http_requests_total", 2, method="GET", route="<unmatched>", status="404"
    ):
        Client().get("/no/such/page/1")
        Client().get("/no/such/page/2")


def test_system_checks_pass():
    call_command("check", fail_level="ERROR")


def test_domain_metrics_are_declared_with_bounded_labels():
    """Domain metrics live in <service>_service/metrics.py, registered, with bounded labels."""
    from prometheus_client.metrics import MetricWrapperBase

    declared = importlib.import_module(f"{settings.SERVICE_NAME}_service.metrics")
    metrics = [v for v in vars(declared).values() if isinstance(v, MetricWrapperBase)]
    assert metrics, "a service declares its domain metrics in <service>_service/metrics.py"
    for metric in metrics:
        assert metric._name in REGISTRY._names_to_collectors, metric._name
        unbounded = {"id", "path", "url", "email", "user", "account"}
        for label in metric._labelnames:
            assert label not in unbounded and not label.endswith("_id"), (metric._name, label)


def test_metrics_port_is_not_the_app_port():
    monitoring = settings.WANZO_MONITORING
    assert int(monitoring["PORT"]) != int(settings.APP_PORT)


def test_openapi_schema_is_valid_without_warnings(tmp_path):
    """drf-spectacular generates the schema from the code with no guess it had to make."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "paths:" in (tmp_path / "s.yml").read_text()


def test_docs_page_works_offline():
    """The docs page and every asset it loads are served by the service itself."""
    import re

    client = Client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.content.decode())
    assert assets and all(url.startswith("/static/") for url in assets), assets
    for url in assets:
        assert client.get(url).status_code == 200, url


# --- bad input: JSON answers, never Django's HTML pages ------------------------------------

ROLES = [None, *Role.values]  # None: no token


def _operations() -> list[tuple[str, str, bool]]:
    """``(path, method, takes_a_body)`` of every API operation, path parameters filled in."""
    import re

    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for template, operations in schema["paths"].items():
        path = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", template)
        for method, operation in operations.items():
            found.append((path, method.upper(), "requestBody" in operation))
    return found


def _as_every_role(method: str, path: str, body: bytes, **extra):
    from wanzo_common.api.testing import api_client

    for role in ROLES:
        client = APIClient() if role is None else api_client(role=role, organization_id=ORG_ID)
        yield role, client.generic(method, path, body, content_type="application/json", **extra)


def _is_json(response) -> bool:
    return response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [60, 100_000])  # over the parser's bound; over Python's stack
def test_deeply_nested_json_is_a_400_on_every_endpoint(depth):
    """Every operation with a body answers 400 for it (as some role), none a 5xx or HTML."""
    body = ("[" * depth + "]" * depth).encode()
    nested = {"detail": f"JSON parse error - nested more than {MAX_DEPTH} levels deep."}
    for path, method, takes_a_body in _operations():
        answers = {}
        for role, response in _as_every_role(method, path, body):
            assert response.status_code < 500 and _is_json(response), (method, path, role)
            answers[role] = response.status_code
            if response.status_code == 400:
                assert response.json() == nested, (method, path, role)
        # Where some role gets past authentication (auth's own endpoints load the caller from
        # its database: a made-up user is a 401 there; its suite tests them with real users).
        admitted = [code for code in answers.values() if code not in (401, 403)]
        if takes_a_body and "0000" not in path and admitted:
            assert 400 in admitted, (method, path, answers)


@pytest.mark.django_db
def test_a_body_over_the_limit_is_a_json_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"x": "' + b"a" * 2000 + b'"}'
    refused = []
    for path, method, takes_a_body in _operations():
        if not takes_a_body or "0000" in path:
            continue
        for role, response in _as_every_role(method, path, body):
            assert response.status_code < 500 and _is_json(response), (method, path, role)
            if response.status_code == 413:
                assert response.json() == {
                    "detail": "Request body too large.", "code": "request_too_large",
                    "max_bytes": 1000,
                }  # fmt: skip
                refused.append((method, path))
    assert refused, "no endpoint read the oversized body"


@pytest.mark.parametrize("path", ["/no/such/page/", "/api/no-such-endpoint/", "/api/schema/x/"])
def test_unknown_urls_answer_json_404(path):
    for method in ("get", "post", "delete"):
        response = getattr(Client(), method)(path)
        assert response.status_code == 404 and _is_json(response), (method, path)
        assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.django_db
def test_invalid_pages_answer_json_404_with_a_detail():
    """Every list (an operation with a ``page`` parameter), as every role, for a bad page."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    lists = [
        path
        for path, operations in schema["paths"].items()
        if "{" not in path
        and any(p["name"] == "page" for p in operations.get("get", {}).get("parameters", []))
    ]
    assert lists
    for path in lists:
        for page in ("0", "999999", "abc"):
            answers = []
            for role, response in _as_every_role("GET", f"{path}?page={page}", b""):
                assert response.status_code < 500 and _is_json(response), (path, role)
                answers.append(response.status_code)
                if response.status_code == 404:
                    assert response.json()["detail"] == "Invalid page.", (path, role)
            if any(code not in (401, 403) for code in answers):
                assert 404 in answers, (path, page, answers)


def test_method_not_allowed_is_json():
    response = Client().put("/api/", b"{}", content_type="application/json")
    assert response.status_code == 405 and _is_json(response)
    assert "detail" in response.json()
