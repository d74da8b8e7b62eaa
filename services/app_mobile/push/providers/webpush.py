"""Web Push (RFC 8030, VAPID) through pywebpush: the one module that imports it.

A ``web`` device's token is its browser's subscription (``{"endpoint", "keys": {"p256dh",
"auth"}}``, stored as JSON). Native tokens (FCM/APNs) need another provider: such a device
gets ``FAILED``. A 404 or 410 from the push service means the subscription is gone for good.
Log lines name the device and the HTTP status only: the endpoint URL is a bearer secret.
"""

from __future__ import annotations

import json
import logging

from push.providers.base import BaseProvider, PushMessage, PushResult

logger = logging.getLogger("push.providers.webpush")


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
            webpush(
                subscription_info=json.loads(message.token),
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
