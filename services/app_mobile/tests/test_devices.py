"""Devices: registering push tokens (never shown, never logged), a test push to one's own."""

from __future__ import annotations

import pytest
from devices.models import Device

from wanzo_common.api.testing import api_client
from wanzo_common.monitoring.testing import assert_metric_delta

pytestmark = pytest.mark.django_db

WEB_SUBSCRIPTION = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/SECRET-ENDPOINT",
    "keys": {"p256dh": "BPublicKeyOfTheBrowser", "auth": "SECRET-AUTH"},
}


def test_register_native_and_web_devices_without_echoing_tokens(client):
    native = client.post("/api/devices/", {"platform": "android", "push_token": "SECRET-TOKEN"},
                         format="json")  # fmt: skip
    web = client.post("/api/devices/", {"platform": "web", "subscription": WEB_SUBSCRIPTION},
                      format="json")  # fmt: skip
    assert (native.status_code, web.status_code) == (201, 201)
    listed = client.get("/api/devices/")
    assert listed.json()["count"] == 2
    for text in (native.content, web.content, listed.content):
        assert b"SECRET" not in text


def test_registering_a_token_again_moves_it_to_the_new_user(client, org_id):
    body = {"platform": "ios", "push_token": "apns-token-1"}
    first = client.post("/api/devices/", body, format="json").json()
    assert client.post("/api/devices/", body, format="json").status_code == 200
    colleague = api_client(role="SME_USER", organization_id=org_id)
    moved = colleague.post("/api/devices/", body, format="json")
    assert moved.status_code == 200 and moved.json()["id"] == first["id"]
    assert Device.objects.count() == 1
    assert client.get("/api/devices/").json()["count"] == 0


def test_a_token_of_another_organisation_is_a_conflict_not_moved(client, other_client):
    body = {"platform": "android", "push_token": "fcm-token-1"}
    first = client.post("/api/devices/", body, format="json").json()
    refused = other_client.post("/api/devices/", body, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "token_registered_elsewhere"
    assert client.get("/api/devices/").json()["results"][0]["id"] == first["id"]
    assert other_client.get("/api/devices/").json()["count"] == 0
    assert Device.objects.get(pk=first["id"]).active is True


def test_an_unregistered_token_may_move_to_another_organisation(client, other_client):
    body = {"platform": "android", "push_token": "fcm-token-2"}
    first = client.post("/api/devices/", body, format="json").json()
    assert client.delete(f"/api/devices/{first['id']}/").status_code == 204
    moved = other_client.post("/api/devices/", body, format="json")
    assert moved.status_code == 200 and moved.json()["active"] is True
    assert client.get("/api/devices/").json()["count"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": "android"}, "push_token"),
        ({"platform": "web", "push_token": "x"}, "subscription"),
        ({"platform": "web", "subscription": {"endpoint": "http://insecure", "keys": {}}},
         "subscription"),
        ({"platform": "blackberry", "push_token": "x"}, "platform"),
    ],
)  # fmt: skip
def test_invalid_registration_is_a_field_error(client, body, field):
    response = client.post("/api/devices/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_unregistering_stops_sending(
    client, other_client, push_outbox, django_capture_on_commit_callbacks
):
    device = client.post("/api/devices/", {"platform": "android", "push_token": "t"},
                         format="json").json()  # fmt: skip
    assert other_client.delete(f"/api/devices/{device['id']}/").status_code == 404
    assert client.delete(f"/api/devices/{device['id']}/").status_code == 204
    assert client.get(f"/api/devices/{device['id']}/").json()["active"] is False
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/devices/{device['id']}/test/")
    assert client.get("/api/notifications/").json()["results"][0]["result"] == "no_device"
    assert push_outbox == []


def test_test_notification_reaches_one_own_device_only(
    client, other_client, push_outbox, django_capture_on_commit_callbacks
):
    device = client.post("/api/devices/", {"platform": "android", "push_token": "t"},
                         format="json").json()  # fmt: skip
    assert other_client.post(f"/api/devices/{device['id']}/test/").status_code == 404
    with (
        assert_metric_delta("push_notifications_sent_total", 1, notification_type="test",
                            priority="normal", result="sent"),
        django_capture_on_commit_callbacks(execute=True),
    ):  # fmt: skip
        response = client.post(f"/api/devices/{device['id']}/test/")
    assert response.status_code == 201
    [message] = push_outbox
    assert (message.device_id, message.notification_type) == (device["id"], "test")
    assert client.get("/api/notifications/?type=test").json()["count"] == 1
    assert other_client.get("/api/notifications/").json()["count"] == 0


def test_a_device_the_push_service_forgot_is_deactivated(
    client, push_outbox, django_capture_on_commit_callbacks
):
    from push.providers import locmem

    device = client.post("/api/devices/", {"platform": "android", "push_token": "t"},
                         format="json").json()  # fmt: skip
    locmem.gone_devices.add(device["id"])
    with (
        assert_metric_delta("push_notifications_sent_total", 1, notification_type="test",
                            priority="normal", result="failed"),
        django_capture_on_commit_callbacks(execute=True),
    ):  # fmt: skip
        client.post(f"/api/devices/{device['id']}/test/")
    assert Device.objects.get(pk=device["id"]).active is False


def test_tokens_never_reach_the_logs(client, caplog, settings, django_capture_on_commit_callbacks):
    settings.WANZO_PUSH = {"PROVIDER": "logging"}
    caplog.set_level("DEBUG")
    device = client.post("/api/devices/", {"platform": "android", "push_token": "SECRET-TOKEN"},
                         format="json").json()  # fmt: skip
    client.post("/api/devices/", {"platform": "web", "subscription": WEB_SUBSCRIPTION},
                format="json")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/devices/{device['id']}/test/")
    assert f"device={device['id']}" in caplog.text  # the logging provider did log the send
    assert "SECRET" not in caplog.text


def test_push_config_gives_the_vapid_public_key(client, settings):
    settings.WANZO_PUSH = {"PROVIDER": "locmem", "VAPID_PUBLIC_KEY": "BPub"}
    assert client.get("/api/devices/push-config/").json() == {"vapid_public_key": "BPub"}
