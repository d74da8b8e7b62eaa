"""What every push provider implements, and the message it is handed.

A provider delivers one message to one device and says how it went; it never raises for a
refused delivery (a dead endpoint is an answer, not an error). :class:`PushMessage` hides the
device's push token from ``repr`` so a message that reaches a log or a traceback leaks nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class PushResult(enum.Enum):
    SENT = "sent"
    FAILED = "failed"
    # The push service says the token or subscription is gone for good: stop using the device.
    GONE = "gone"


@dataclass(frozen=True)
class PushMessage:
    device_id: str
    platform: str
    token: str = field(repr=False)  # an FCM/APNs token, or a Web Push subscription (JSON)
    notification_id: str
    notification_type: str
    priority: str
    title: str = field(repr=False)
    body: str = field(repr=False)
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)


class BaseProvider:
    """Subclasses implement :meth:`send`; ``options`` is the whole ``WANZO_PUSH`` dict."""

    def __init__(self, *, options: Mapping[str, Any]) -> None:
        self.options = options

    def send(self, message: PushMessage) -> PushResult:
        raise NotImplementedError

    def check(self) -> list[str]:
        """Configuration problems (for the system check ``wanzo_push.E002``); none by default."""
        return []
