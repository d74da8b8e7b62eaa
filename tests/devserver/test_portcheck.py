"""Ports: resolved as the services' settings resolve them, checked before anything starts."""

from __future__ import annotations

import socket

import pytest

from wanzo_common.devserver.cli import UsageError
from wanzo_common.devserver.portcheck import check_ports, port_is_free, resolve_ports
from wanzo_common.env import Env
from wanzo_common.ports import ServicePorts, ports_of

from .helpers import free_ports


def env(tmp_path, environ: dict[str, str], file: str = "") -> Env:
    path = tmp_path / ".env"
    path.write_text(file)
    return Env(path, environ=environ)


def test_ports_come_from_the_environment_then_the_env_file_then_the_defaults(tmp_path):
    assert resolve_ports("auth", env=env(tmp_path, {})) == ports_of("auth")
    from_file = "APP_PORT=7001\nPROMETHEUS_PORT=7002\nEVENTS_PROMETHEUS_PORT=7003\n"
    found = resolve_ports("auth", env=env(tmp_path, {}, from_file))
    assert (found.app, found.metrics, found.events) == (7001, 7002, 7003)
    environ = {"APP_PORT": "6001", "PROMETHEUS_PORT": ""}  # empty: the default, as in settings
    found = resolve_ports("auth", env=env(tmp_path, environ, from_file))
    assert (found.app, found.metrics, found.events) == (6001, ports_of("auth").metrics, 7003)


def test_an_invalid_port_is_refused(tmp_path):
    with pytest.raises(UsageError, match="PROMETHEUS_PORT for admin"):
        resolve_ports("admin", env=env(tmp_path, {"PROMETHEUS_PORT": "x"}))


def test_check_ports_refuses_a_port_given_twice():
    admin_app, auth_app, shared, admin_events, auth_events, *relays = free_ports(7)
    ports = {
        "admin": ServicePorts(admin_app, shared, 0, admin_events, relays[0]),
        "auth": ServicePorts(auth_app, shared, 0, auth_events, relays[1]),
    }
    with pytest.raises(UsageError, match=f"port {shared} given to both admin metrics and auth"):
        check_ports(ports)


def test_check_ports_refuses_a_port_in_use_and_checks_only_the_kinds_bound():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not port_is_free(port)
        app, metrics, relay = free_ports(3)
        ports = {"admin": ServicePorts(app, metrics, 0, port, relay)}
        with pytest.raises(UsageError, match=f"port {port} \\(admin events\\) is already in use"):
            check_ports(ports, kinds=("app", "metrics", "events"))
        check_ports(ports, kinds=("app", "metrics"))
