"""System checks: each misconfiguration fails ``manage.py check`` with its stable id."""

from __future__ import annotations

import os

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from wanzo_common import settings as base_settings
from wanzo_common.monitoring import checks
from wanzo_common.ports import ServicePorts

MIDDLEWARE = "wanzo_common.monitoring.middleware.PrometheusMiddleware"
OTHERS = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]


def monitoring_errors():
    return run_checks(tags=["wanzo_monitoring"])


def ids(errors) -> list[str]:
    return [error.id for error in errors]


def test_default_settings_have_no_errors():
    assert monitoring_errors() == []
    call_command("check")  # raises SystemCheckError on any error


@pytest.mark.parametrize("port", ["abc", 70000, 0, -1, "", "80.5", None, 65536])
def test_invalid_prometheus_port_is_e001(port):
    with override_settings(WANZO_MONITORING={"PORT": port}):
        errors = monitoring_errors()
    assert ids(errors) == ["wanzo_monitoring.E001"]
    assert "PROMETHEUS_PORT" in errors[0].msg and repr(port) in errors[0].msg
    assert "between 1 and 65535" in errors[0].msg


@pytest.mark.parametrize("port", [1, 9464, "9464", 65535])
def test_valid_ports_pass(port):
    with override_settings(WANZO_MONITORING={"PORT": port, "CELERY_PORT": port}):
        assert monitoring_errors() == []


def test_invalid_celery_port_is_e005():
    with override_settings(WANZO_MONITORING={"CELERY_PORT": "nope"}):
        errors = monitoring_errors()
    assert ids(errors) == ["wanzo_monitoring.E005"]
    assert "CELERY_PROMETHEUS_PORT" in errors[0].msg


def test_port_from_the_environment_reaches_the_check(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_PORT", "abc")
    ports = ServicePorts(app=1, metrics=2, celery=3, events=4, relay=5)
    built = base_settings.build(service="checksvc", base_dir=tmp_path, ports=ports)
    with override_settings(WANZO_MONITORING=built["WANZO_MONITORING"]):
        assert ids(monitoring_errors()) == ["wanzo_monitoring.E001"]


@pytest.mark.parametrize("port", ["abc", "70000"])
def test_manage_py_check_fails_on_a_bad_port(port):
    with override_settings(WANZO_MONITORING={"PORT": port}):
        with pytest.raises(SystemCheckError) as excinfo:
            call_command("check")
    message = str(excinfo.value)
    assert "wanzo_monitoring.E001" in message and "PROMETHEUS_PORT" in message


def test_missing_multiprocess_dir_is_e002(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "absent"))
    errors = checks.check_multiprocess_dir()
    assert ids(errors) == ["wanzo_monitoring.E002"]
    assert "absent" in errors[0].msg and "not a writable directory" in errors[0].msg


def test_multiprocess_dir_that_is_a_file_is_e002(monkeypatch, tmp_path):
    path = tmp_path / "a-file"
    path.write_text("")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(path))
    assert ids(checks.check_multiprocess_dir()) == ["wanzo_monitoring.E002"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to any directory")
def test_read_only_multiprocess_dir_is_e002(monkeypatch, tmp_path):
    path = tmp_path / "ro"
    path.mkdir(mode=0o500)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(path))
    try:
        assert ids(checks.check_multiprocess_dir()) == ["wanzo_monitoring.E002"]
    finally:
        path.chmod(0o700)


def test_writable_multiprocess_dir_passes(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert checks.check_multiprocess_dir() == []


def test_multiprocess_dir_check_runs_with_manage_py_check(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "absent"))
    with pytest.raises(SystemCheckError, match="wanzo_monitoring.E002"):
        call_command("check")


def test_middleware_missing_is_e003():
    with override_settings(MIDDLEWARE=OTHERS):
        errors = monitoring_errors()
    assert ids(errors) == ["wanzo_monitoring.E003"]
    assert MIDDLEWARE in errors[0].msg and "missing" in errors[0].msg


def test_middleware_misplaced_is_e004():
    with override_settings(MIDDLEWARE=[OTHERS[0], MIDDLEWARE, OTHERS[1]]):
        errors = monitoring_errors()
    assert ids(errors) == ["wanzo_monitoring.E004"]
    assert "first entry" in errors[0].msg and "position 1" in errors[0].msg


def test_middleware_first_passes():
    with override_settings(MIDDLEWARE=[MIDDLEWARE, *OTHERS]):
        assert monitoring_errors() == []


def test_bearer_and_basic_together_is_e006():
    with override_settings(WANZO_MONITORING={"BEARER_TOKEN": "t", "BASIC_AUTH": "u:p"}):
        errors = monitoring_errors()
    assert ids(errors) == ["wanzo_monitoring.E006"]
    assert "not both" in errors[0].msg


@pytest.mark.parametrize("value", ["justuser", "nocolon-password"])
def test_basic_auth_without_a_colon_is_e007(value):
    with override_settings(WANZO_MONITORING={"BASIC_AUTH": value}):
        errors = monitoring_errors()
    assert ids(errors) == ["wanzo_monitoring.E007"]
    assert "user:password" in errors[0].msg


@pytest.mark.parametrize("window", [0, -5, "abc"])
def test_invalid_active_users_window_is_e008(window):
    with override_settings(WANZO_MONITORING={"ACTIVE_USERS_WINDOW": window}):
        errors = monitoring_errors()
    assert ids(errors) == ["wanzo_monitoring.E008"]
    assert "ACTIVE_USERS_WINDOW" in errors[0].msg and repr(window) in errors[0].msg


def test_valid_protection_settings_pass():
    for config in ({"BEARER_TOKEN": "t"}, {"BASIC_AUTH": "u:p"}, {"ACTIVE_USERS_WINDOW": 60}):
        with override_settings(WANZO_MONITORING=config):
            assert monitoring_errors() == []
