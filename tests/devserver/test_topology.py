"""Which processes up starts, and with what: broker first, then each service's roles."""

from __future__ import annotations

import os

import pytest

from wanzo_common.devserver.cli import Options, UsageError
from wanzo_common.devserver.topology import BEAT, Topology
from wanzo_common.ports import ports_of


def test_with_consumers_as_commands_a_service_runs_a_server_a_consumer_and_a_relay(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("KAFKA_BROKERS", raising=False)
    topology = Topology(tmp_path, Options("up", consumers="commands"))
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
        assert "CELERY_BROKER_URL" not in spec.env  # tasks run eagerly, as before workers
    assert topology.port_kinds() == ("app", "metrics", "events", "relay")


def test_by_default_each_service_runs_the_roles_of_compose(tmp_path, monkeypatch):
    """web, a worker hosting the consumer, the relay and, for admin and auth, beat; all on a
    filesystem Celery broker in var/celery/<service>/ when none is configured."""
    for name in ("KAFKA_BROKERS", "CELERY_BROKER_URL", "CELERY_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    topology = Topology(tmp_path, Options("up"))
    assert topology.port_kinds() == ("app", "metrics", "celery", "relay")
    for service in ("admin", "accounting", "app_mobile", "auth"):
        (tmp_path / "services" / service).mkdir(parents=True)
        ports = ports_of(service)
        specs = topology.service(service, ports)
        roles = [spec.name.partition(".")[2] or "web" for spec in specs]
        assert roles == ["web", "worker", "relay"] + (["beat"] if service in BEAT else [])
        worker = specs[1]
        assert worker.argv[1:6] == ["-m", "celery", "-A", f"{service}_service", "worker"]
        assert "--events-consumer" in worker.argv
        # Signalled as Docker signals PID 1: the main process stops its pool itself.
        assert worker.signal_leader and not specs[0].signal_leader
        assert worker.argv[worker.argv.index("--concurrency") + 1] == "1"
        assert worker.env["CELERY_PROMETHEUS_PORT"] == str(ports.celery)
        assert specs[2].argv[-3:] == ["relay_outbox", "--metrics-port", str(ports.relay)]
        folder = tmp_path / "var" / "celery" / service / "broker"
        assert (folder / "messages").is_dir() and (folder / "control").is_dir()
        for spec in specs:
            assert spec.env["CELERY_BROKER_URL"] == "filesystem://"
            assert spec.env["CELERY_BROKER_FOLDER"] == str(folder)
        if service in BEAT:
            assert specs[-1].env["EVENTS_RELAY_BEAT"] == "false"  # the relay process relays
    assert set(BEAT) == {"admin", "auth"}


def test_a_celery_broker_of_the_service_is_used_as_is(tmp_path, monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
    topology = Topology(tmp_path, Options("up"))
    specs = topology.service("admin", ports_of("admin"))
    assert [spec.name for spec in specs] == ["admin", "admin.worker", "admin.relay", "admin.beat"]
    for spec in specs:
        assert spec.env["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/9"
        assert "CELERY_BROKER_FOLDER" not in spec.env
    assert not (tmp_path / "var" / "celery" / "admin" / "broker").exists()


def test_a_broker_from_the_environment_is_used_as_is(tmp_path, monkeypatch):
    monkeypatch.setenv("KAFKA_BROKERS", "kafka:9092")
    topology = Topology(tmp_path, Options("up"))
    assert topology.broker() == []
    env = topology.service("admin", ports_of("admin"))[1].env  # the worker
    assert env["KAFKA_BROKERS"] == "kafka:9092" and "KAFKA_DEV_BROKER" not in topology.broker_env


def test_without_events_only_the_servers_run(tmp_path):
    topology = Topology(tmp_path, Options("up", events=False))
    assert topology.broker() == [] and topology.announcements() == []
    [server] = topology.service("admin", ports_of("admin"))
    assert server.name == "admin" and "CELERY_BROKER_URL" not in server.env
    assert topology.port_kinds() == ("app", "metrics")


def test_gunicorn_gets_the_shipped_config_its_port_and_its_own_control_socket(tmp_path):
    topology = Topology(tmp_path, Options("up", server="gunicorn", workers=3))
    ports = ports_of("admin")
    argv = topology.service("admin", ports)[0].argv
    assert argv[argv.index("-c") + 1] == str(tmp_path / "deploy" / "gunicorn.conf.py")
    assert argv[argv.index("--bind") + 1] == f"127.0.0.1:{ports.app}"
    assert argv[-2:] == ["--workers", "3"]
    assert f"admin-{ports.app}" in argv[argv.index("--control-socket") + 1]


def test_services_sharing_one_celery_broker_are_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    for service, db in (("admin", 1), ("auth", 1), ("accounting", 2)):
        (tmp_path / "services" / service).mkdir(parents=True)
        (tmp_path / "services" / service / ".env").write_text(
            f"CELERY_BROKER_URL=redis://127.0.0.1:6379/{db}\n"
        )
    Topology(tmp_path, Options("up", services=["admin", "accounting"])).check_celery_brokers()
    with pytest.raises(UsageError, match="admin and auth have the same CELERY_BROKER_URL"):
        Topology(tmp_path, Options("up", services=["admin", "auth"])).check_celery_brokers()
    # The same variable in the environment would be every service's: refused too.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
    with pytest.raises(UsageError, match="same CELERY_BROKER_URL"):
        Topology(tmp_path, Options("up", services=["admin", "accounting"])).check_celery_brokers()
    Topology(tmp_path, Options("up", services=["admin"])).check_celery_brokers()
    Topology(tmp_path, Options("up", consumers="commands")).check_celery_brokers()
