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


# --- consumer-side tools: tail, dlq list|replay ------------------------------------------------


def add_tail(subparsers: Any) -> None:
    parser = subparsers.add_parser("tail", help="Print a topic's events, decoded, one a line.")
    parser.add_argument("topic", help="a topic, or a family name (user, auth...)")
    parser.add_argument("--from-beginning", action="store_true", help="start at the oldest")
    parser.add_argument("--max", type=int, dest="max_messages", help="stop after N messages")
    parser.add_argument("--timeout", type=float, help="stop after N seconds without a message")
    parser.add_argument("--no-data", action="store_true", help="leave the payloads out")


def handle_tail(command: BaseCommand, options: dict[str, Any]) -> None:
    """JSON lines; undecodable messages too, with the reason the consumer would dead-letter."""
    from wanzo_common.events import deadletter
    from wanzo_common.events.envelope import Event
    from wanzo_common.events.transports import get_transport

    topic = _topic(options["topic"])
    # A group of its own, never committed to: tailing moves nobody's offsets.
    consumer = get_transport().consumer(
        group_id=deadletter.throwaway_group(topic),
        topics=[topic],
        from_beginning=options["from_beginning"],
    )
    timeout = options["timeout"] if options["timeout"] is not None else float("inf")
    try:
        for message in deadletter.read(
            consumer, max_messages=options["max_messages"], idle_timeout=timeout
        ):
            line = {
                "topic": message.topic,
                "partition": message.partition,
                "offset": message.offset,
            }
            try:
                event = Event.from_message(message)
            except InvalidEvent as exc:
                line.update(error=str(exc))
            else:
                line.update(type=event.type, id=event.id, subject=event.subject)
                line.update(time=event.time.isoformat(), source=event.source)
                if not options["no_data"]:
                    line["data"] = event.data
            command.stdout.write(json.dumps(line, ensure_ascii=False))
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


def _topic(name: str) -> str:
    from wanzo_common.events.conf import app_settings

    if name in app_settings.TOPICS:
        return f"{app_settings.TOPIC_PREFIX or ''}{app_settings.TOPICS[name]}"
    return name


def add_dlq(subparsers: Any) -> None:
    parser = subparsers.add_parser("dlq", help="Inspect or replay a group's dead letters.")
    actions = parser.add_subparsers(dest="dlq_action", metavar="action", required=True)
    for action, text in (("list", "List dead letters."), ("replay", "Replay dead letters.")):
        sub = actions.add_parser(action, help=text)
        sub.add_argument("--group", help="consumer group (default CONSUMER_GROUP_ID)")
        sub.add_argument("--max", type=int, dest="max_messages", help="at most N letters")
        sub.add_argument(
            "--timeout", type=float, default=5.0, help="stop after N seconds without a letter"
        )
    replay = actions.choices["replay"]
    replay.add_argument("--dry-run", action="store_true", help="list only, send nothing")


def handle_dlq(command: BaseCommand, options: dict[str, Any]) -> None:
    from wanzo_common.events import deadletter
    from wanzo_common.events.conf import app_settings
    from wanzo_common.events.transports import get_transport

    group = options["group"] or app_settings.CONSUMER_GROUP_ID
    if not group:
        raise CommandError("no consumer group: pass --group or set CONSUMER_GROUP_ID")
    replaying = options["dlq_action"] == "replay"
    letters = deadletter.replay(
        group=group,
        transport=get_transport(),
        max_messages=options["max_messages"],
        idle_timeout=options["timeout"],
        dry_run=not replaying or options["dry_run"],
    )
    for info in letters:
        command.stdout.write(json.dumps(_letter_line(info), ensure_ascii=False))
    if replaying:
        verb = "would replay" if options["dry_run"] else "replayed"
        command.stdout.write(f"{verb} {len(letters)} dead letter(s) of {group}")


def _letter_line(info: Any) -> dict[str, Any]:
    return {
        "offset": info.offset,
        "reason": info.reason,
        "attempts": info.attempts,
        "type": info.type,
        "id": info.id,
        "original": f"{info.original_topic}[{info.original_partition}]@{info.original_offset}",
        "error": info.error,
    }


# (name, add_arguments, handler) of each subcommand.
SUBCOMMANDS: list[tuple[str, Callable[[Any], None], Handler]] = [
    ("publish", add_publish, handle_publish),
    ("types", add_types, handle_types),
    ("tail", add_tail, handle_tail),
    ("dlq", add_dlq, handle_dlq),
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
