"""``manage.py events <subcommand>``: debugging tools for the event layer.

- ``events publish <type> (--data JSON | --example) [--subject S] [--immediate]``
- ``events types``: the registered types with version and topic.

Each subcommand is two functions, ``add_<name>(subparsers)`` declaring its arguments and
``handle_<name>(command, options)`` doing the work, listed in :data:`SUBCOMMANDS`. The consumer
side (``tail``, ``dlq list|replay``) plugs in the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wanzo_common.events.exceptions import InvalidEvent
from wanzo_common.events.transports import DeliveryError

Handler = Callable[[BaseCommand, dict[str, Any]], None]


def add_publish(subparsers: Any) -> None:
    parser = subparsers.add_parser("publish", help="Publish one event (validated).")
    parser.add_argument("type", help="event type, e.g. user.created")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="the payload as a JSON object")
    source.add_argument("--example", action="store_true", help="use the type's example payload")
    parser.add_argument("--subject", help="override the subject (message key)")
    parser.add_argument("--correlation-id", dest="correlation_id")
    parser.add_argument(
        "--immediate",
        action="store_true",
        help="send now and wait for the broker's ack (default: write to the outbox)",
    )
    parser.add_argument("--database", default="default")


def handle_publish(command: BaseCommand, options: dict[str, Any]) -> None:
    from django.db import transaction

    from wanzo_common.events.publisher import build, enqueue
    from wanzo_common.events.transports import get_transport
    from wanzo_common.events.types import get_type

    try:
        data = get_type(options["type"]).example if options["example"] else _json(options["data"])
        event, message = build(
            options["type"], data, subject=options["subject"],
            correlation_id=options["correlation_id"],
        )  # fmt: skip
        if options["immediate"]:
            get_transport().send([message])
        else:
            with transaction.atomic(using=options["database"]):
                enqueue(event, message, using=options["database"])
    except InvalidEvent as exc:
        raise CommandError(f"invalid event: {exc}") from exc
    except DeliveryError as exc:
        raise CommandError(f"not delivered: {exc}") from exc
    mode = "sent" if options["immediate"] else "queued in the outbox (run relay_outbox)"
    command.stdout.write(f"{event.describe()} topic={message.topic}: {mode}")


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CommandError(f"--data is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CommandError("--data must be a JSON object")
    return data


def add_types(subparsers: Any) -> None:
    subparsers.add_parser("types", help="List the registered event types.")


def handle_types(command: BaseCommand, options: dict[str, Any]) -> None:
    from wanzo_common.events.types import REGISTRY, topic_for

    for name, event_type in sorted(REGISTRY.items()):
        command.stdout.write(f"{name} v{event_type.version} -> {topic_for(event_type)}")


# (name, add_arguments, handler): E2's "tail" and "dlq" entries go here.
SUBCOMMANDS: list[tuple[str, Callable[[Any], None], Handler]] = [
    ("publish", add_publish, handle_publish),
    ("types", add_types, handle_types),
]


class Command(BaseCommand):
    help = "Event layer debugging tools: publish, types (and consumer-side tools)."

    def add_arguments(self, parser: Any) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", metavar="subcommand", required=True)
        for _, add, _ in SUBCOMMANDS:
            add(subparsers)

    def handle(self, *args: Any, **options: Any) -> None:
        handlers = {name: handler for name, _, handler in SUBCOMMANDS}
        handlers[options["subcommand"]](self, options)
