"""Web Push (RFC 8030, VAPID) through pywebpush: the one module that imports it.

A ``web`` device's token is its browser's subscription (``{"endpoint", "keys": {"p256dh",
"auth"}}``, stored as JSON). Native tokens (FCM/APNs) need another provider: such a device
gets ``FAILED``. A 404 or 410 from the push service means the subscription is gone for good.
Log lines name the device and the HTTP status only: the endpoint URL is a bearer secret.

The endpoint is checked again before each send (:mod:`push.endpoints`: a known push service, a
public address now), and the request goes through a session that refuses to talk to anything
but a public address: the address checked is the one the socket connected to, so a name that
resolves differently between the check and the connection (DNS rebinding) gains nothing. The
session follows no redirect and ignores proxy variables (the peer must be the push service).
"""

from __future__ import annotations

import json
import logging

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPSConnectionPool
from urllib3.connection import HTTPSConnection

from push.endpoints import EndpointRefused, address_allowed, endpoint_check
from push.providers.base import BaseProvider, PushMessage, PushResult

logger = logging.getLogger("push.providers.webpush")


class PublicOnlyConnection(HTTPSConnection):
    """An HTTPS connection that closes at once when its peer is not a public address."""

    def _new_conn(self):
        sock = super()._new_conn()
        if not address_allowed(sock.getpeername()[0]):
            sock.close()
            raise EndpointRefused("connected to a non-public address")
        return sock


class PublicOnlyPool(HTTPSConnectionPool):
    ConnectionCls = PublicOnlyConnection


class PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"https": PublicOnlyPool}


def public_only_session() -> requests.Session:
    """A requests session for push services: https to public addresses, no redirect, no proxy."""
    session = requests.Session()
    session.trust_env = False
    session.max_redirects = 0
    session.adapters.clear()  # no adapter for http://: requests refuses it (InvalidSchema)
    session.mount("https://", PublicOnlyAdapter())
    return session


class Provider(BaseProvider):
    def check(self) -> list[str]:
        missing = [
            name for name in ("VAPID_PRIVATE_KEY", "VAPID_SUBJECT") if not self.options.get(name)
        ]
        return [f"the webpush provider needs {name} (environment variable)" for name in missing]

    def send(self, message: PushMessage) -> PushResult:
        from pywebpush import WebPushException, webpush

        if message.platform != "web":
            logger.warning(
                "webpush cannot reach a %s device=%s", message.platform, message.device_id
            )
            return PushResult.FAILED
        try:
            subscription = json.loads(message.token)
            endpoint_check(
                subscription["endpoint"], allowed_hosts=self.options.get("WEB_PUSH_HOSTS")
            )
        except EndpointRefused as exc:
            logger.warning("webpush endpoint refused device=%s reason=%s", message.device_id, exc)
            return PushResult.FAILED
        except (ValueError, TypeError, KeyError):
            logger.warning("webpush malformed subscription device=%s", message.device_id)
            return PushResult.FAILED
        try:
            webpush(
                subscription_info=subscription,
                requests_session=public_only_session(),
                data=json.dumps(self._payload(message)),
                vapid_private_key=self.options["VAPID_PRIVATE_KEY"],
                vapid_claims={"sub": self.options["VAPID_SUBJECT"]},
                ttl=int(self.options.get("TTL") or 0),
                timeout=float(self.options.get("TIMEOUT") or 10),
                headers={"Urgency": "high" if message.priority == "high" else "normal"},
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in (404, 410):
                return PushResult.GONE
            logger.warning("webpush refused device=%s status=%s", message.device_id, status)
            return PushResult.FAILED
        except (ValueError, OSError) as exc:  # a malformed subscription, the network
            logger.warning(
                "webpush failed device=%s error=%s", message.device_id, type(exc).__name__
            )
            return PushResult.FAILED
        return PushResult.SENT

    @staticmethod
    def _payload(message: PushMessage) -> dict:
        return {
            "id": message.notification_id,
            "type": message.notification_type,
            "title": message.title,
            "body": message.body,
            "data": dict(message.data),
        }
