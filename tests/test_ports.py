"""The ports table: one definition, read by the services' settings and by manage_all."""

from __future__ import annotations

from pathlib import Path

import pytest

from wanzo_common.ports import SERVICES, ports_of

ROOT = Path(__file__).resolve().parent.parent


def test_no_port_is_given_twice():
    every = [port for ports in SERVICES.values() for port in ports]
    assert len(every) == len(set(every))


def test_every_service_directory_has_its_ports_and_nothing_else_does():
    found = {path.name for path in (ROOT / "services").iterdir() if (path / "manage.py").exists()}
    assert set(SERVICES) == found


def test_an_unknown_service_names_the_known_ones():
    with pytest.raises(KeyError, match="admin"):
        ports_of("nope")


def test_the_services_settings_take_their_defaults_from_the_table(monkeypatch):
    from wanzo_common.settings import build

    for name in ("APP_PORT", "PROMETHEUS_PORT", "CELERY_PROMETHEUS_PORT"):
        monkeypatch.setenv(name, "")  # set but empty: the default, whatever .env says
    built = build(service="accounting", base_dir=ROOT / "services" / "accounting")
    ports = ports_of("accounting")
    assert built["APP_PORT"] == ports.app
    assert built["WANZO_MONITORING"]["PORT"] == ports.metrics
    assert built["WANZO_MONITORING"]["CELERY_PORT"] == ports.celery


def test_no_service_settings_module_writes_a_port():
    for service in SERVICES:
        text = (ROOT / "services" / service / f"{service}_service" / "settings.py").read_text()
        assert not [port for port in ports_of(service) if str(port) in text], service
