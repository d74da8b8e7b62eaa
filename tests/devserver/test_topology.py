"""Which processes up starts, and with what: broker first, then each service's three."""

from __future__ import annotations

import os

from wanzo_common.devserver.cli import Options
from wanzo_common.devserver.topology import Topology
from wanzo_common.ports import ports_of


def test_each_service_runs_a_server_a_consumer_and_a_relay_with_the_broker(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("KAFKA_BROKERS", raising=False)
    topology = Topology(tmp_path, Options("up"))
    [broker] = topology.broker()
    assert broker.stop_last and broker.ready() is False  # no address written yet
    topology.devbroker_address.parent.mkdir()
    topology.devbroker_address.write_text("127.0.0.1:1234\n")
    assert broker.ready() is True
    ports = ports_of("auth")
    server, consumer, relay = topology.service("auth", ports)
    names = [spec.name for spec in (server, consumer, relay)]
    assert names == ["auth", "auth.consumer", "auth.relay"]
    assert server.argv[-2:] == [f"127.0.0.1:{ports.app}", "--noreload"]
    assert consumer.argv[-3:] == ["consume_events", "--metrics-port", str(ports.events)]
    assert relay.argv[-3:] == ["relay_outbox", "--metrics-port", str(ports.relay)]
    for spec in (server, consumer, relay):
        assert spec.cwd == tmp_path / "services" / "auth"
        assert spec.env["KAFKA_BROKERS"] == "127.0.0.1:1234"
        assert spec.env["KAFKA_GROUP_PROTOCOL"] == "classic"
        assert spec.env["DJANGO_SETTINGS_MODULE"] == "auth_service.settings"
        assert spec.env["PYTHONPATH"].split(os.pathsep)[0] == str(tmp_path)


def test_a_broker_from_the_environment_is_used_as_is(tmp_path, monkeypatch):
    monkeypatch.setenv("KAFKA_BROKERS", "kafka:9092")
    topology = Topology(tmp_path, Options("up"))
    assert topology.broker() == []
    env = topology.service("admin", ports_of("admin"))[1].env
    assert env["KAFKA_BROKERS"] == "kafka:9092" and "KAFKA_DEV_BROKER" not in topology.broker_env


def test_without_events_only_the_servers_run(tmp_path):
    topology = Topology(tmp_path, Options("up", events=False))
    assert topology.broker() == [] and topology.announcements() == []
    assert [spec.name for spec in topology.service("admin", ports_of("admin"))] == ["admin"]


def test_gunicorn_gets_the_shipped_config_its_port_and_its_own_control_socket(tmp_path):
    topology = Topology(tmp_path, Options("up", server="gunicorn", workers=3))
    ports = ports_of("admin")
    argv = topology.service("admin", ports)[0].argv
    assert argv[argv.index("-c") + 1] == str(tmp_path / "deploy" / "gunicorn.conf.py")
    assert argv[argv.index("--bind") + 1] == f"127.0.0.1:{ports.app}"
    assert argv[-2:] == ["--workers", "3"]
    assert f"admin-{ports.app}" in argv[argv.index("--control-socket") + 1]
