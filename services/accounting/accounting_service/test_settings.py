"""Settings of the accounting service's test suite: its settings, on the mock transport by choice.

The suite runs without a broker and with ``DEBUG`` false, where the mock transport is a system
check error (``wanzo_events.E006``): the tests opt in explicitly, the service never does.
"""

from accounting_service.settings import *  # noqa: F403

WANZO_EVENTS = {**WANZO_EVENTS, "ALLOW_MOCK": True}  # noqa: F405
