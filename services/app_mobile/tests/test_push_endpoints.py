"""Web Push endpoints: known push services only, public addresses only, at registration and at
send time (DNS rebinding); name resolution is faked (``fake_dns``), never the network."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from devices.models import Device
from push.endpoints import EndpointRefused, endpoint_check, host_allowed
from push.providers import PushMessage, PushResult
from push.providers import webpush as webpush_module

pytestmark = pytest.mark.django_db

KEYS = {"p256dh": "BPublicKeyOfTheBrowser", "auth": "SECRET-AUTH"}
FCM = "https://fcm.googleapis.com/fcm/send/SECRET-ENDPOINT"

# One of each kind of address a push service's name must never resolve to.
FORBIDDEN_ADDRESSES = {
    "loopback": "127.0.0.1",
    "loopback v6": "::1",
    "private 10/8": "10.1.2.3",
    "private 172.16/12": "172.20.0.5",
    "private 192.168/16": "192.168.1.10",
    "shared CGNAT 100.64/10": "100.100.100.200",  # also Alibaba's metadata service
    "link-local / cloud metadata": "169.254.169.254",
    "link-local v6": "fe80::1",
    "unique local v6 (AWS metadata fd00:ec2::254)": "fd00:ec2::254",
    "multicast": "224.0.0.251",
    "multicast v6": "ff02::1",
    "reserved 240/4": "240.0.0.1",
    "broadcast": "255.255.255.255",
    "unspecified": "0.0.0.0",
    "unspecified v6": "::",
    "IPv4-mapped loopback": "::ffff:127.0.0.1",
    "documentation": "192.0.2.10",
    "benchmarking": "198.18.0.1",
}


def register(client, endpoint: str):
    body = {"platform": "web", "subscription": {"endpoint": endpoint, "keys": KEYS}}
    return client.post("/api/devices/", body, format="json")


@pytest.mark.parametrize(
    "endpoint",
    [
        FCM,
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
        "https://web.push.apple.com/QGuQyavXutnMotSn",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
    ],
)
def test_the_known_push_services_are_accepted(client, endpoint):
    assert register(client, endpoint).status_code == 201


@pytest.mark.parametrize("kind", FORBIDDEN_ADDRESSES)
def test_a_push_host_resolving_to_a_non_public_address_is_refused(client, fake_dns, kind):
    fake_dns["fcm.googleapis.com"] = [FORBIDDEN_ADDRESSES[kind]]
    response = register(client, FCM)
    assert response.status_code == 400, kind
    [error] = response.json()["subscription"]["endpoint"]
    assert "non-public address" in error and "SECRET" not in error
    assert Device.objects.count() == 0


def test_one_bad_address_among_good_ones_is_enough_to_refuse(client, fake_dns):
    fake_dns["fcm.googleapis.com"] = ["142.250.74.234", "10.0.0.7"]
    assert register(client, FCM).status_code == 400


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("https://169.254.169.254/latest/meta-data/", "not a known push service"),
        ("https://127.0.0.1/push", "not a known push service"),
        ("https://[::1]/push", "not a known push service"),
        ("https://metadata.google.internal/computeMetadata/v1/", "not a known push service"),
        ("https://localhost/push", "not a known push service"),
        ("https://push.example.net/send/x", "not a known push service"),
        ("https://fcm.googleapis.com.evil.example/x", "not a known push service"),
        ("https://evilfcm.googleapis.com/x", "not a known push service"),
        ("https://push.apple.com/x", "not a known push service"),  # *. means sub-domains only
        ("https://fcm.googleapis.com:8443/fcm/send/x", "not the https port"),
        ("https://user:pw@fcm.googleapis.com/fcm/send/x", "credentials in the URL"),
        ("https://unknown.notify.windows.com/x", "does not resolve"),
    ],
)
def test_other_hosts_ports_and_urls_are_refused(client, endpoint, reason):
    response = register(client, endpoint)
    assert response.status_code == 400
    assert reason in json.dumps(response.json())


def test_the_allow_list_is_a_setting(client, settings, fake_dns):
    settings.WANZO_PUSH = {**settings.WANZO_PUSH, "WEB_PUSH_HOSTS": ["push.example.org"]}
    fake_dns["push.example.org"] = ["93.184.215.14"]
    assert register(client, "https://push.example.org/x").status_code == 201
    assert register(client, FCM).status_code == 400


def test_host_patterns():
    allowed = ["fcm.googleapis.com", "*.push.apple.com"]
    assert host_allowed("FCM.googleapis.com.", allowed)
    assert host_allowed("web.push.apple.com", allowed)
    assert not host_allowed("push.apple.com", allowed)
    assert not host_allowed("xpush.apple.com", allowed)


def test_endpoint_check_takes_an_injected_resolver():
    calls = []

    def resolver(host, port):
        calls.append((host, port))
        return ["8.8.8.8"]

    endpoint_check(FCM, allowed_hosts=["fcm.googleapis.com"], resolve=resolver)
    assert calls == [("fcm.googleapis.com", 443)]
    with pytest.raises(EndpointRefused, match="non-public"):
        endpoint_check(FCM, allowed_hosts=["fcm.googleapis.com"], resolve=lambda h, p: ["10.0.0.1"])


# --- at send time -----------------------------------------------------------------------------

WEB_OPTIONS = {"VAPID_PRIVATE_KEY": "key", "VAPID_SUBJECT": "mailto:ops@wanzo.test", "TTL": 60,
               "TIMEOUT": 5}  # fmt: skip


def web_message() -> PushMessage:
    token = json.dumps({"endpoint": FCM, "keys": KEYS})
    return PushMessage(
        device_id="dev-1", platform="web", token=token, notification_id="n-1",
        notification_type="test", priority="high", title="Title", body="Body",
    )  # fmt: skip


def test_a_host_rebound_to_a_private_address_after_registration_is_not_called(
    monkeypatch, fake_dns, caplog
):
    calls = []
    monkeypatch.setattr("pywebpush.webpush", lambda **kwargs: calls.append(kwargs))
    provider = webpush_module.Provider(options=WEB_OPTIONS)
    assert provider.send(web_message()) is PushResult.SENT
    fake_dns["fcm.googleapis.com"] = ["169.254.169.254"]  # the name now points inside
    assert provider.send(web_message()) is PushResult.FAILED
    assert len(calls) == 1
    assert "SECRET" not in caplog.text


def test_sends_go_through_a_session_that_refuses_non_public_peers(monkeypatch):
    calls = []
    monkeypatch.setattr("pywebpush.webpush", lambda **kwargs: calls.append(kwargs))
    webpush_module.Provider(options=WEB_OPTIONS).send(web_message())
    session = calls[0]["requests_session"]
    assert session.trust_env is False and session.max_redirects == 0
    assert isinstance(session.get_adapter("https://x/"), webpush_module.PublicOnlyAdapter)


def test_the_session_closes_a_connection_whose_peer_is_not_public():
    """The address the socket reached is checked, whatever the name resolved to before."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    session = webpush_module.public_only_session()
    with pytest.raises(EndpointRefused, match="non-public"):
        session.post(f"https://127.0.0.1:{port}/", data=b"x", timeout=5)
    thread.join(5)
    listener.close()
    with pytest.raises(Exception, match="No connection adapters"):
        session.post(f"http://127.0.0.1:{port}/", timeout=5)
