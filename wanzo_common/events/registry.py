"""The handler registry: which function handles which event type, in which consumer group.

Handlers are thin functions that call service code::

    @handler("user.created")
    def on_user_created(event: Event) -> None:
        accounts_open_for_user(user_id=event.data["userId"])

They live in a ``handlers`` module of an installed app; :func:`autodiscover` imports those
modules (as ``django.contrib.admin`` imports ``admin`` modules) before a consumer starts.
``group=None`` means "whatever group this service consumes as" (almost every service runs one
group, and ``consume_events --group`` must not silently drop its handlers); a service running
several groups names the group on each handler that must run in one only. Several handlers may
share a type; the engine runs them in registration order inside one database transaction, so
they succeed or fail together.
"""

from __future__ import annotations

import contextvars
import difflib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from wanzo_common.events.envelope import Event
    from wanzo_common.events.transports.base import Message

HandlerFunc = Callable[["Event"], Any]

__all__ = [
    "Delivery",
    "Handler",
    "HandlerRegistry",
    "RejectEvent",
    "autodiscover",
    "current_delivery",
    "handler",
    "registry",
]


@dataclass(frozen=True)
class Handler:
    type_name: str
    func: HandlerFunc
    group: str | None = None
    batch: bool = False  # called with a list of events: see handler()

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


class HandlerRegistry:
    """Handlers by event type; thread-safe because Celery may import handler modules late."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self._lock = threading.Lock()

    def register(
        self, type_name: str, func: HandlerFunc, *, group: str | None = None, batch: bool = False
    ) -> Handler:
        _check_type_name(type_name)
        entry = Handler(type_name=type_name, func=func, group=group, batch=batch)
        with self._lock:
            # Re-importing a module (autoreload, tests) must not register a handler twice.
            self._handlers = [h for h in self._handlers if not _same(h, entry)] + [entry]
        return entry

    def unregister(self, func: HandlerFunc) -> None:
        with self._lock:
            self._handlers = [h for h in self._handlers if h.func is not func]

    def handlers_for(self, type_name: str, *, group: str) -> list[Handler]:
        """The handlers group ``group`` runs for ``type_name``, in registration order."""
        return [h for h in self._handlers if h.type_name == type_name and h.group in (None, group)]

    def types_for(self, *, group: str) -> set[str]:
        """Every type group ``group`` handles (anything else is skipped as ignored)."""
        return {h.type_name for h in self._handlers if h.group in (None, group)}

    def all(self) -> list[Handler]:
        return list(self._handlers)

    def clear(self) -> None:
        with self._lock:
            self._handlers = []


registry = HandlerRegistry()


def handler(
    type_name: str,
    *,
    group: str | None = None,
    batch: bool = False,
    registry: HandlerRegistry = registry,
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register the decorated function as a handler of ``type_name`` (returned unchanged).

    ``batch=True``: the function takes a list of events, every event of a run of consecutive
    ``type_name`` messages in a consumer batch (poll order), so that it can do its work with
    a few bulk statements instead of a few per event. It runs in the batch's transaction, with
    duplicates already dropped. If it raises, the transaction rolls back and the run's messages
    are applied again one at a time (a list of one each), retried and dead-lettered alone: raise
    :class:`RejectEvent` only for an event that can never succeed.
    """

    def decorator(func: HandlerFunc) -> HandlerFunc:
        registry.register(type_name, func, group=group, batch=batch)
        return func

    return decorator


def autodiscover() -> None:
    """Import the ``handlers`` module of every installed app (once; later calls are cheap)."""
    autodiscover_modules("handlers")


class RejectEvent(Exception):
    """Raised by a handler for an event that can never succeed: dead-lettered without retries."""


@dataclass(frozen=True)
class Delivery:
    """Where the event a handler is running for came from, and which attempt this is."""

    group: str
    message: Message
    attempt: int


_delivery: contextvars.ContextVar[Delivery | None] = contextvars.ContextVar(
    "wanzo_events_delivery", default=None
)


def current_delivery() -> Delivery | None:
    """The delivery being handled (inside a handler), else None."""
    return _delivery.get()


def _same(a: Handler, b: Handler) -> bool:
    return a.type_name == b.type_name and a.group == b.group and a.name == b.name


def _check_type_name(type_name: str) -> None:
    """A typo in a handler's type would silently ignore every event: fail at import instead."""
    known = _known_types()
    if type_name in known:
        return
    hint = difflib.get_close_matches(type_name, known, n=1)
    suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
    raise ImproperlyConfigured(f"@handler for unknown event type {type_name!r}.{suggestion}")


def _known_types() -> list[str]:
    from wanzo_common.events.types import type_names

    return list(type_names())
