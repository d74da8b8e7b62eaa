"""The push provider is chosen by settings, like Django's EMAIL_BACKEND; misconfiguration is loud."""

from __future__ import annotations

import json

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from push.providers import BaseProvider, PushMessage, PushResult, get_provider, resolve_provider
from push.providers import locmem as locmem_module
from push.providers import log as log_module
from push.providers import webpush as webpush_module


class CustomProvider(BaseProvider):
    def send(self, message: PushMessage) -> PushResult:
        return PushResult.SENT


def message(platform: str = "android", token: str = "SECRET-TOKEN") -> PushMessage:
    return PushMessage(
        device_id="dev-1", platform=platform, token=token, notification_id="n-1",
        notification_type="test", priority="high", title="Title", body="Body",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("logging", log_module.Provider),
        ("locmem", locmem_module.Provider),
        ("webpush", webpush_module.Provider),
        ("push.providers.locmem", locmem_module.Provider),
        ("tests.test_push_providers.CustomProvider", CustomProvider),
    ],
)
def test_aliases_and_dotted_paths(name, cls):
    assert resolve_provider(name) is cls


def test_the_provider_follows_the_setting(settings):
    settings.WANZO_PUSH = {"PROVIDER": "logging"}
    assert isinstance(get_provider(), log_module.Provider)
    settings.WANZO_PUSH = {"PROVIDER": "tests.test_push_providers.CustomProvider"}
    assert isinstance(get_provider(), CustomProvider)


def test_an_unknown_provider_is_a_clear_error(settings):
    with pytest.raises(ImproperlyConfigured, match="Did you mean 'webpush'"):
        resolve_provider("webpsh")
    with pytest.raises(ImproperlyConfigured, match="Cannot import"):
        resolve_provider("no.such.module")
    with pytest.raises(ImproperlyConfigured, match="not a BaseProvider"):
        resolve_provider("json.dumps")
    settings.WANZO_PUSH = {"PROVIDER": "fcm"}
    with pytest.raises(ImproperlyConfigured):
        get_provider()


def _push_errors() -> list[str]:
    return [error.id for error in run_checks(tags=["wanzo_push"])]


def test_system_checks_have_stable_ids(settings):
    settings.WANZO_PUSH = {"PROVIDER": "locmem"}
    assert _push_errors() == []
    settings.WANZO_PUSH = {"PROVIDER": "carrier-pigeon"}
    assert _push_errors() == ["wanzo_push.E001"]
    settings.WANZO_PUSH = {"PROVIDER": "webpush"}
    assert _push_errors() == ["wanzo_push.E002", "wanzo_push.E002"]
    settings.WANZO_PUSH = {"PROVIDER": "locmem", "PROVIDR": "x"}
    assert _push_errors() == ["wanzo_push.E003"]


def test_the_logging_provider_logs_type_and_device_only(caplog):
    caplog.set_level("INFO")
    assert log_module.Provider(options={}).send(message()) is PushResult.SENT
    assert "type=test" in caplog.text and "device=dev-1" in caplog.text
    assert "SECRET" not in caplog.text and "Title" not in caplog.text
    assert "SECRET" not in repr(message())


WEB_OPTIONS = {"VAPID_PRIVATE_KEY": "key", "VAPID_SUBJECT": "mailto:ops@wanzo.test", "TTL": 60,
               "TIMEOUT": 5}  # fmt: skip
SUBSCRIPTION = json.dumps({"endpoint": "https://updates.push.services.mozilla.com/wpush/v2/SECRET", "keys": {"p256dh": "a",
                                                                             "auth": "b"}})  # fmt: skip


def test_webpush_sends_through_pywebpush(monkeypatch):
    calls = []
    monkeypatch.setattr("pywebpush.webpush", lambda **kwargs: calls.append(kwargs))
    provider = webpush_module.Provider(options=WEB_OPTIONS)
    assert provider.send(message("web", SUBSCRIPTION)) is PushResult.SENT
    [call] = calls
    assert call["subscription_info"]["endpoint"] == "https://updates.push.services.mozilla.com/wpush/v2/SECRET"
    assert call["headers"] == {"Urgency": "high"}
    assert json.loads(call["data"])["type"] == "test"


@pytest.mark.parametrize(("status", "result"), [(410, PushResult.GONE), (500, PushResult.FAILED)])
def test_webpush_refusals(monkeypatch, caplog, status, result):
    from pywebpush import WebPushException

    class Response:
        status_code = status

    def refuse(**kwargs):
        raise WebPushException("refused https://updates.push.services.mozilla.com/wpush/v2/SECRET", response=Response())

    monkeypatch.setattr("pywebpush.webpush", refuse)
    assert webpush_module.Provider(options=WEB_OPTIONS).send(message("web", SUBSCRIPTION)) is result
    assert "SECRET" not in caplog.text


def test_webpush_cannot_reach_native_devices():
    assert webpush_module.Provider(options=WEB_OPTIONS).send(message()) is PushResult.FAILED
