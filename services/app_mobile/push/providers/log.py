"""The default provider: writes one log line per message instead of sending it.

The line names the notification type, priority and device id only: never the token, the title
or the body (they may carry amounts or names).
"""

from __future__ import annotations

import logging

from push.providers.base import BaseProvider, PushMessage, PushResult

logger = logging.getLogger("push.providers.log")


class Provider(BaseProvider):
    def send(self, message: PushMessage) -> PushResult:
        logger.info(
            "push notification type=%s priority=%s device=%s notification=%s",
            message.notification_type,
            message.priority,
            message.device_id,
            message.notification_id,
        )
        return PushResult.SENT
