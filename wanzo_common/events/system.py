"""Handlers every service may register for the ``system`` family.

Services register them in their own ``handlers.py`` (one line each), so a service chooses what
it reacts to; ``make up`` publishes ``system.service_started`` for each service and every
service's consumer logs the others' — the simplest proof that events flow between them.
"""

from __future__ import annotations

import logging

from django.conf import settings

from wanzo_common.events.envelope import Event

logger = logging.getLogger("wanzo_common.events.system")


def log_system_event(event: Event) -> None:
    """Log a system event from another service: type, source and id only (no payload)."""
    if event.source == getattr(settings, "SERVICE_NAME", None):
        return
    logger.info("%s from %s (event %s)", event.type, event.source, event.id)
