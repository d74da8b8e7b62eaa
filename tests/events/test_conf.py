from types import SimpleNamespace

import pytest

from wanzo_common.events.conf import (
    DEFAULT_TOPICS,
    DEV_BROKER_OPTIONS,
    app_settings,
    events_settings,
)
from wanzo_common.settings import Env


def make_env(monkeypatch, tmp_path, **variables):
    for name in (
        "USE_KAFKA", "KAFKA_CLIENT_ID", "KAFKA_BROKERS", "KAFKA_CONSUMER_GROUP_ID",
        "KAFKA_TOPIC_PREFIX", "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM",
        "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "KAFKA_SSL_CA_LOCATION", "EVENTS_TRANSPORT",
        "EVENTS_OUTBOX", "EVENTS_CELERY_CONSUMER", "KAFKA_DEV_BROKER", "KAFKA_GROUP_PROTOCOL",
        "EVENTS_ALLOW_MOCK", "EVENTS_BATCH_SIZE", "EVENTS_BATCH_MAX_WAIT_MS",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return Env(tmp_path / "missing.env")


def test_defaults_without_variables_use_the_mock_and_name_everything_after_the_service(
    monkeypatch, tmp_path
):
    config = events_settings(make_env(monkeypatch, tmp_path), "auth")
    assert config["TRANSPORT"] == "mock"
    assert config["ALLOW_MOCK"] is False
    assert "USE_KAFKA" not in config  # mapped to TRANSPORT here, and nowhere else
    assert config["CLIENT_ID"] == "wanzo-auth"
    assert config["CONSUMER_GROUP_ID"] == "wanzo-auth"
    assert config["SOURCE"] == "auth"
    assert config["BROKERS"] == []
    assert config["SECURITY"] == {}
    assert config["OPTIONS"] == {}
    assert config["OUTBOX"] is True
    assert (config["BATCH_SIZE"], config["BATCH_MAX_WAIT_MS"]) == (50, 0)


def test_batch_variables(monkeypatch, tmp_path):
    env = make_env(monkeypatch, tmp_path, EVENTS_BATCH_SIZE="200", EVENTS_BATCH_MAX_WAIT_MS="5")
    config = events_settings(env, "auth")
    assert (config["BATCH_SIZE"], config["BATCH_MAX_WAIT_MS"]) == (200, 5)


def test_seed_variables_select_kafka(monkeypatch, tmp_path):
    env = make_env(
        monkeypatch, tmp_path,
        USE_KAFKA="true", KAFKA_CLIENT_ID="acc-client", KAFKA_BROKERS="k1:9092, k2:9092",
        KAFKA_CONSUMER_GROUP_ID="acc-group", KAFKA_TOPIC_PREFIX="staging.",
        KAFKA_SECURITY_PROTOCOL="SASL_SSL", KAFKA_SASL_MECHANISM="PLAIN",
        KAFKA_SASL_USERNAME="svc", KAFKA_SASL_PASSWORD="pw", KAFKA_SSL_CA_LOCATION="/ca.pem",
    )  # fmt: skip
    config = events_settings(env, "accounting")
    assert config["TRANSPORT"] == "kafka"
    assert config["BROKERS"] == ["k1:9092", "k2:9092"]
    assert (config["CLIENT_ID"], config["CONSUMER_GROUP_ID"]) == ("acc-client", "acc-group")
    assert config["TOPIC_PREFIX"] == "staging."
    assert config["SECURITY"] == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
        "sasl.username": "svc",
        "sasl.password": "pw",
        "ssl.ca.location": "/ca.pem",
    }


def test_events_transport_wins_over_use_kafka_and_allow_mock_is_read(monkeypatch, tmp_path):
    env = make_env(monkeypatch, tmp_path, USE_KAFKA="true", EVENTS_TRANSPORT="mock",
                   EVENTS_ALLOW_MOCK="true")  # fmt: skip
    config = events_settings(env, "admin")
    assert (config["TRANSPORT"], config["ALLOW_MOCK"]) == ("mock", True)
    env = make_env(monkeypatch, tmp_path, USE_KAFKA="false", EVENTS_TRANSPORT="kafka")
    assert events_settings(env, "admin")["TRANSPORT"] == "kafka"


def test_app_settings_fall_back_to_defaults(settings):
    settings.WANZO_EVENTS = {}
    assert app_settings.TRANSPORT == "mock"
    assert app_settings.ALLOW_MOCK is False
    assert app_settings.OUTBOX is True
    assert app_settings.MAX_ATTEMPTS == 5
    assert app_settings.TOPICS == DEFAULT_TOPICS
    assert app_settings.SOURCE == settings.SERVICE_NAME


def test_app_settings_reload_when_the_setting_changes(settings):
    settings.WANZO_EVENTS = {"TRANSPORT": "kafka", "BROKERS": "a:1,b:2"}
    assert app_settings.TRANSPORT == "kafka"
    assert app_settings.BROKERS == ["a:1", "b:2"]
    settings.WANZO_EVENTS = {"TOPICS": {"user": "custom.users"}}
    assert app_settings.TRANSPORT == "mock"
    assert app_settings.TOPICS["user"] == "custom.users"
    assert app_settings.TOPICS["auth"] == DEFAULT_TOPICS["auth"]


def test_unknown_attribute_is_an_error():
    with pytest.raises(AttributeError):
        app_settings.NOT_A_SETTING  # noqa: B018


def test_security_config_ignores_unset_variables():
    from wanzo_common.events.conf import security_config

    env = SimpleNamespace(str=lambda name: "SSL" if name == "KAFKA_SECURITY_PROTOCOL" else None)
    assert security_config(env) == {"security.protocol": "SSL"}


def test_kafka_dev_broker_applies_the_dev_broker_client_options(monkeypatch, tmp_path):
    env = make_env(monkeypatch, tmp_path, USE_KAFKA="true", KAFKA_BROKERS="127.0.0.1:4000",
                   KAFKA_DEV_BROKER="true")  # fmt: skip
    config = events_settings(env, "admin")
    assert config["OPTIONS"] == DEV_BROKER_OPTIONS
    assert config["OPTIONS"]["group.protocol"] == "consumer"
    assert config["OPTIONS"]["fetch.wait.max.ms"] == 25
    config["OPTIONS"]["fetch.wait.max.ms"] = 1  # a copy: the shared defaults stay intact
    assert DEV_BROKER_OPTIONS["fetch.wait.max.ms"] == 25


def test_a_real_cluster_keeps_librdkafka_defaults_unless_a_group_protocol_is_named(
    monkeypatch, tmp_path
):
    env = make_env(monkeypatch, tmp_path, USE_KAFKA="true", KAFKA_BROKERS="k1:9092",
                   KAFKA_DEV_BROKER="false")  # fmt: skip
    assert events_settings(env, "admin")["OPTIONS"] == {}
    env = make_env(monkeypatch, tmp_path, USE_KAFKA="true", KAFKA_BROKERS="k1:9092",
                   KAFKA_GROUP_PROTOCOL="consumer")  # fmt: skip
    assert events_settings(env, "admin")["OPTIONS"] == {"group.protocol": "consumer"}
