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

from wanzo_common.monitoring.testing import assert_metric_delta

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
