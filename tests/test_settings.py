"""The shared settings builder: the embedded SQLite default is safe for several processes."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connections, transaction

from wanzo_common.env import Env
from wanzo_common.settings import SQLITE_OPTIONS, build, database_config


def config_for(url: str, tmp_path) -> dict:
    env = Env(tmp_path / "none.env", environ={"DATABASE_URL": url})
    return database_config(env, service="svc", base_dir=tmp_path)


def test_sqlite_gets_wal_immediate_transactions_and_a_busy_timeout(tmp_path):
    config = config_for(f"sqlite:///{tmp_path}/db.sqlite3", tmp_path)
    assert config["OPTIONS"] == SQLITE_OPTIONS
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_postgresql_keeps_its_own_options(tmp_path):
    config = config_for("postgres://u@127.0.0.1:5432/wanzo_{service}", tmp_path)
    assert "init_command" not in config.get("OPTIONS", {})
    assert config["NAME"] == "wanzo_svc" and config["TEST"]["NAME"] == "test_wanzo_svc"
    shared = config_for("postgres://u@127.0.0.1:5432/wanzo_h5", tmp_path)
    assert shared["TEST"]["NAME"] == "test_wanzo_h5_svc"  # one test database per service


@pytest.fixture
def sqlite_alias(tmp_path, django_db_blocker):
    """A database alias on a SQLite file with the builder's options, for two threads."""
    alias = "quiet_sqlite"
    config = config_for(f"sqlite:///{tmp_path}/db.sqlite3", tmp_path)
    connections.settings[alias] = connections.configure_settings(
        {"default": config, alias: config}
    )[alias]
    with django_db_blocker.unblock():
        with connections[alias].cursor() as cursor:
            cursor.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY, sent INTEGER)")
            cursor.execute("INSERT INTO outbox (sent) VALUES (0)")
        yield alias
        connections[alias].close()
    del connections.settings[alias]


def test_a_read_then_write_transaction_waits_for_another_writer(sqlite_alias, django_db_blocker):
    """The relay's pattern (select rows, send, mark them sent, in one transaction) while another
    process writes: with DEFERRED transactions the UPDATE failed at once with "database is
    locked" after the send, and the retry sent the batch again; now the BEGIN waits its turn."""
    writing, release, starting = threading.Event(), threading.Event(), threading.Event()
    failures = []

    def other_writer() -> None:
        with django_db_blocker.unblock(), transaction.atomic(using=sqlite_alias):
            with connections[sqlite_alias].cursor() as cursor:
                cursor.execute("INSERT INTO outbox (sent) VALUES (0)")
            writing.set()
            release.wait(10)
        connections[sqlite_alias].close()

    def relay() -> None:
        try:
            with django_db_blocker.unblock():
                connections[sqlite_alias].ensure_connection()
                starting.set()
                with transaction.atomic(using=sqlite_alias):
                    with connections[sqlite_alias].cursor() as cursor:
                        cursor.execute("SELECT id FROM outbox WHERE sent = 0")
                        ids = ",".join(str(row[0]) for row in cursor.fetchall())
                        cursor.execute(f"UPDATE outbox SET sent = 1 WHERE id IN ({ids})")
        except OperationalError as exc:
            failures.append(exc)
        finally:
            connections[sqlite_alias].close()

    writer = threading.Thread(target=other_writer)
    writer.start()
    assert writing.wait(10)
    relayer = threading.Thread(target=relay)
    relayer.start()
    assert starting.wait(10)
    # Let the relay begin while the other writer holds the lock (not a timing assertion: the
    # test passes however long this takes; the pause only makes the contention likely).
    release.wait(0.5)
    release.set()
    writer.join(10)
    relayer.join(30)
    assert failures == []
    with django_db_blocker.unblock(), connections[sqlite_alias].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM outbox WHERE sent = 1")
        assert cursor.fetchone()[0] == 2  # the relay saw the other writer's committed row


def test_monitoring_can_be_switched_off_for_the_bench(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITORING_ENABLED", "false")
    built = build(service="admin", base_dir=tmp_path)
    assert not any("PrometheusMiddleware" in name for name in built["MIDDLEWARE"])
    assert built["WANZO_MONITORING"]["EXPORTER"] == "off"
    assert built["WANZO_MONITORING"]["ENABLED"] is False
    monkeypatch.delenv("MONITORING_ENABLED")
    assert build(service="admin", base_dir=tmp_path)["MIDDLEWARE"][0].endswith(
        "PrometheusMiddleware"
    )


def test_tasks_run_eagerly_without_a_broker_and_on_make_ups_filesystem_broker_otherwise(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    built = build(service="admin", base_dir=tmp_path)
    assert built["CELERY_TASK_ALWAYS_EAGER"] and built["CELERY_BROKER_TRANSPORT_OPTIONS"] == {}
    monkeypatch.setenv("CELERY_BROKER_URL", "filesystem://")
    monkeypatch.setenv("CELERY_BROKER_FOLDER", str(tmp_path / "broker"))
    built = build(service="admin", base_dir=tmp_path)
    assert not built["CELERY_TASK_ALWAYS_EAGER"]
    options = built["CELERY_BROKER_TRANSPORT_OPTIONS"]
    messages = str(tmp_path / "broker" / "messages")
    assert options["data_folder_in"] == options["data_folder_out"] == messages
    assert options["control_folder"] == str(tmp_path / "broker" / "control")


def test_beat_relays_the_outbox_unless_the_relay_process_is_the_one_relay(tmp_path, monkeypatch):
    monkeypatch.delenv("EVENTS_RELAY_BEAT", raising=False)
    tasks = {
        e["task"]
        for e in build(service="admin", base_dir=tmp_path)["CELERY_BEAT_SCHEDULE"].values()
    }
    assert "wanzo_events.relay_outbox" in tasks and "wanzo_events.prune_outbox" in tasks
    monkeypatch.setenv("EVENTS_RELAY_BEAT", "false")
    tasks = {
        e["task"]
        for e in build(service="admin", base_dir=tmp_path)["CELERY_BEAT_SCHEDULE"].values()
    }
    assert "wanzo_events.relay_outbox" not in tasks and "wanzo_events.prune_outbox" in tasks
