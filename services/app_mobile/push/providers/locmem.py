"""A provider for tests: keeps every message in :data:`outbox`, as Django's ``mail.outbox``.

The service's test suite empties the outbox before every test (``tests/conftest.py``).
``fail_devices`` / ``gone_devices`` let a test make given devices refuse a message.
"""

from __future__ import annotations

from push.providers.base import BaseProvider, PushMessage, PushResult

outbox: list[PushMessage] = []
fail_devices: set[str] = set()
gone_devices: set[str] = set()


def reset() -> None:
    outbox.clear()
    fail_devices.clear()
    gone_devices.clear()


class Provider(BaseProvider):
    def send(self, message: PushMessage) -> PushResult:
        if message.device_id in gone_devices:
            return PushResult.GONE
        if message.device_id in fail_devices:
            return PushResult.FAILED
        outbox.append(message)
        return PushResult.SENT
