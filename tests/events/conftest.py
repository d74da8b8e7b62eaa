"""Fixtures shared by the events tests.

``transport`` is the mock transport, emptied before and after the test, under
``WANZO_EVENTS = {"TRANSPORT": "mock", "ALLOW_MOCK": True, **events_settings}``: a module
overrides the ``events_settings`` fixture to add its own options (group id, retries...).
"""

from __future__ import annotations

import pytest

from wanzo_common.events.transports import get_transport


@pytest.fixture
def events_settings() -> dict:
    return {}


@pytest.fixture
def transport(settings, events_settings):
    settings.WANZO_EVENTS = {"TRANSPORT": "mock", "ALLOW_MOCK": True, **events_settings}
    transport = get_transport()
    transport.reset()
    yield transport
    transport.reset()
