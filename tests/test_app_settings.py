"""The one settings base of both shared apps (``WANZO_EVENTS``, ``WANZO_MONITORING``)."""

import pytest
from django.test import override_settings

from wanzo_common.app_settings import AppSettings
from wanzo_common.events.conf import app_settings as events_settings
from wanzo_common.monitoring.conf import monitoring_settings


class Doubled(AppSettings):
    def resolve(self, name, value):
        return value * 2 if name == "SIZE" else value


def make():
    return Doubled(setting="WANZO_TEST_APP", defaults={"SIZE": 1, "NAME": "default"})


def test_both_apps_use_the_one_base():
    assert isinstance(events_settings, AppSettings)
    assert isinstance(monitoring_settings, AppSettings)


def test_values_merge_over_defaults_and_go_through_resolve():
    conf = make()
    with override_settings(WANZO_TEST_APP={"SIZE": 5}):
        assert conf.SIZE == 10
        assert conf.NAME == "default"
        assert conf.user_settings == {"SIZE": 5}


def test_nothing_is_read_before_the_first_access_and_reads_are_cached(settings):
    settings.WANZO_TEST_APP = {"NAME": "first"}
    conf = make()
    assert "NAME" not in vars(conf)
    assert conf.NAME == "first"
    assert vars(conf)["NAME"] == "first"  # a plain attribute from now on


def test_a_changed_setting_resets_the_cache(settings):
    settings.WANZO_TEST_APP = {"NAME": "first"}
    conf = make()
    assert conf.NAME == "first"
    settings.WANZO_TEST_APP = {"NAME": "second"}  # sends setting_changed
    assert conf.NAME == "second"


def test_another_setting_changing_keeps_the_cache(settings):
    settings.WANZO_TEST_APP = {"NAME": "first"}
    conf = make()
    assert conf.NAME == "first"
    settings.WANZO_OTHER = {"NAME": "x"}
    assert "NAME" in vars(conf)


def test_unknown_and_private_names_are_attribute_errors():
    conf = make()
    with pytest.raises(AttributeError, match="Invalid WANZO_TEST_APP setting"):
        conf.NOT_A_SETTING  # noqa: B018
    with pytest.raises(AttributeError):
        conf._private  # noqa: B018


def test_monitoring_settings_reset_when_overridden():
    port = monitoring_settings.PORT
    with override_settings(WANZO_MONITORING={"PORT": 12345}):
        assert monitoring_settings.PORT == 12345
        assert monitoring_settings.BIND_ADDRESS == "127.0.0.1"  # a default
    assert monitoring_settings.PORT == port
