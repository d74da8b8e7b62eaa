import pytest

from wanzo_common.events.checks import check_events_settings


@pytest.fixture(autouse=True)
def debug(settings):
    """DEBUG true, where the mock is fine: the E006 tests below switch it off themselves."""
    settings.DEBUG = True


def ids(settings, config):
    settings.WANZO_EVENTS = config
    return sorted(message.id for message in check_events_settings())


def test_default_configuration_is_clean(settings):
    assert ids(settings, {}) == []


def test_unknown_transport_suggests_the_close_alias(settings):
    settings.WANZO_EVENTS = {"TRANSPORT": "kafak"}
    [error] = check_events_settings()
    assert error.id == "wanzo_events.E001"
    assert "'kafka'" in error.msg


def test_unimportable_dotted_path_is_e001(settings):
    assert ids(settings, {"TRANSPORT": "nowhere.module.Transport"}) == ["wanzo_events.E001"]


def test_dotted_path_to_a_transport_is_accepted(settings):
    assert ids(settings, {"TRANSPORT": "wanzo_common.events.transports.mock"}) == []
    assert ids(settings, {"TRANSPORT": "wanzo_common.events.transports.mock.Transport"}) == []


def test_kafka_without_brokers_is_e002(settings):
    assert ids(settings, {"TRANSPORT": "kafka"}) == ["wanzo_events.E002"]
    assert ids(settings, {"TRANSPORT": "kafka", "BROKERS": ["127.0.0.1:9092"]}) == []
    path = "wanzo_common.events.transports.kafka.Transport"
    assert ids(settings, {"TRANSPORT": path}) == ["wanzo_events.E002"]


def test_bad_topics_are_e003(settings):
    assert ids(settings, {"TOPICS": {"users": "x"}}) == ["wanzo_events.E003"]
    assert ids(settings, {"TOPICS": {"user": "bad topic!"}}) == ["wanzo_events.E003"]
    assert ids(settings, {"TOPIC_PREFIX": "a b"}) == ["wanzo_events.E003"] * 5
    assert ids(settings, {"TOPICS": ["wanzo.users"]}) == ["wanzo_events.E003"]


def test_unknown_key_is_e004_with_a_hint(settings):
    settings.WANZO_EVENTS = {"BROKER": ["x:1"]}
    [error] = check_events_settings()
    assert error.id == "wanzo_events.E004"
    assert "BROKERS" in error.hint


def test_bad_numbers_are_e005(settings):
    assert ids(settings, {"MAX_ATTEMPTS": 0}) == ["wanzo_events.E005"]
    assert ids(settings, {"RELAY_BATCH": "100"}) == ["wanzo_events.E005"]
    assert ids(settings, {"RETRY_BACKOFF": -1}) == ["wanzo_events.E005"]
    assert ids(settings, {"BATCH_SIZE": 0}) == ["wanzo_events.E005"]
    assert ids(settings, {"BATCH_MAX_WAIT_MS": -5}) == ["wanzo_events.E005"]


def test_the_mock_without_debug_is_e006(settings):
    settings.DEBUG = False
    [error] = check_events_settings_for(settings, {"TRANSPORT": "mock"})
    assert error.id == "wanzo_events.E006"
    assert "only within this process" in error.msg
    assert "EVENTS_ALLOW_MOCK=true" in error.hint
    # The default transport is the mock: an empty dict is the same error.
    assert ids(settings, {}) == ["wanzo_events.E006"]
    # A dotted path to it too: the check reads the class, not the name.
    assert ids(settings, {"TRANSPORT": "wanzo_common.events.transports.mock"}) == [
        "wanzo_events.E006"
    ]


def test_the_mock_is_fine_with_debug_or_an_explicit_opt_in(settings):
    assert ids(settings, {"TRANSPORT": "mock"}) == []
    settings.DEBUG = False
    assert ids(settings, {"TRANSPORT": "mock", "ALLOW_MOCK": True}) == []
    assert ids(settings, {"TRANSPORT": "kafka", "BROKERS": ["h:1"]}) == []


def test_use_kafka_is_no_longer_a_setting(settings):
    """USE_KAFKA is an environment variable only, mapped in events_settings(): as a key, E004."""
    assert ids(settings, {"USE_KAFKA": True}) == ["wanzo_events.E004"]


def check_events_settings_for(settings, config):
    settings.WANZO_EVENTS = config
    return check_events_settings()


def test_settings_built_from_the_environment_pass_the_checks(settings, monkeypatch, tmp_path):
    from wanzo_common.events.conf import events_settings
    from wanzo_common.settings import Env

    settings.DEBUG = False
    for name in ("EVENTS_TRANSPORT", "EVENTS_ALLOW_MOCK", "USE_KAFKA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USE_KAFKA", "true")
    monkeypatch.setenv("KAFKA_BROKERS", "127.0.0.1:9092")
    monkeypatch.setenv("KAFKA_TOPIC_PREFIX", "dev.")
    assert ids(settings, events_settings(Env(tmp_path / "none.env"), "auth")) == []
    monkeypatch.delenv("KAFKA_BROKERS")
    assert ids(settings, events_settings(Env(tmp_path / "none.env"), "auth")) == [
        "wanzo_events.E002"
    ]
    # The seed's default (USE_KAFKA unset, DEBUG false): no silent mock in production...
    monkeypatch.delenv("USE_KAFKA")
    assert ids(settings, events_settings(Env(tmp_path / "none.env"), "auth")) == [
        "wanzo_events.E006"
    ]
    # ...unless the environment opts in explicitly (a demo).
    monkeypatch.setenv("EVENTS_ALLOW_MOCK", "true")
    assert ids(settings, events_settings(Env(tmp_path / "none.env"), "auth")) == []
