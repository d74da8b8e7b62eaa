"""``manage.py events <subcommand>``: debugging tools for the event layer.

- ``events publish <type> (--data JSON | --example) [--subject S] [--immediate]``
- ``events types``: the registered types with version and topic.

- ``events tail <topic> [--from-beginning] [--max N] [--timeout S] [--no-data]``
- ``events dlq list|replay [--group G] [--max N] [--timeout S] [--dry-run]``

Each subcommand is two functions, ``add_<name>(subparsers)`` declaring its arguments and
``handle_<name>(command, options)`` doing the work, listed in :data:`SUBCOMMANDS`.
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

    from wanzo_common.events.conf import app_settings
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
            get_transport().send([message], timeout=app_settings.SEND_TIMEOUT)
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
#
# They read until nothing came for --timeout seconds, counted from the moment the consumer holds
# its partitions (a group join can take longer than that); an unreachable broker or no
# assignment within --assignment-timeout is an error with a non-zero exit, never "0 found".
# Results go to stdout (JSON lines), what the tool did to stderr; replay's count to stdout.

PING_TIMEOUT = 5.0


def _add_reading_options(parser: Any, *, timeout: float | None, what: str) -> None:
    from wanzo_common.events.deadletter import ASSIGNMENT_TIMEOUT

    parser.add_argument("--max", type=int, dest="max_messages", help=f"stop after N {what}")
    parser.add_argument(
        "--timeout", type=float, default=timeout,
        help=f"stop after N seconds without a {what[:-1]}, counted once partitions are assigned",
    )  # fmt: skip
    parser.add_argument(
        "--assignment-timeout", type=float, default=ASSIGNMENT_TIMEOUT, dest="assignment_timeout",
        help=f"fail if no partition is assigned within N seconds (default {ASSIGNMENT_TIMEOUT:g})",
    )  # fmt: skip


def _connect(transport: Any) -> None:
    """Fail at once, and say so, when the broker does not answer."""
    try:
        transport.ping(timeout=PING_TIMEOUT)
    except Exception as exc:  # noqa: BLE001  (each transport raises its own error type)
        brokers = ",".join(transport.options.get("brokers") or []) or type(transport).__module__
        raise CommandError(f"cannot reach the event broker ({brokers}): {exc}") from exc


def _note(command: BaseCommand, text: str) -> None:
    command.stderr.write(text, style_func=lambda line: line)


def add_tail(subparsers: Any) -> None:
    parser = subparsers.add_parser("tail", help="Print a topic's events, decoded, one a line.")
    parser.add_argument("topic", help="a topic, or a family name (user, auth...)")
    parser.add_argument("--from-beginning", action="store_true", help="start at the oldest")
    _add_reading_options(parser, timeout=None, what="messages")
    parser.add_argument("--no-data", action="store_true", help="leave the payloads out")


def handle_tail(command: BaseCommand, options: dict[str, Any]) -> None:
    """JSON lines; undecodable messages too, with the reason the consumer would dead-letter."""
    from wanzo_common.events import deadletter
    from wanzo_common.events.transports import get_transport

    topic = _topic(options["topic"])
    transport = get_transport()
    _connect(transport)
    # A group of its own, never committed to: tailing moves nobody's offsets.
    consumer = transport.consumer(
        group_id=deadletter.throwaway_group(topic),
        topics=[topic],
        from_beginning=options["from_beginning"],
    )
    timeout = options["timeout"] if options["timeout"] is not None else float("inf")
    count, stopped = 0, f"{timeout:g} s without a message"
    try:
        for message in deadletter.read(
            consumer, max_messages=options["max_messages"], idle_timeout=timeout,
            assignment_timeout=options["assignment_timeout"],
        ):  # fmt: skip
            command.stdout.write(json.dumps(_tail_line(message, options), ensure_ascii=False))
            count += 1
    except deadletter.NotAssigned as exc:
        raise CommandError(f"{exc} for topic {topic}: does it exist?") from exc
    except KeyboardInterrupt:
        stopped = "interrupted"
    finally:
        consumer.close()
    if count == options["max_messages"]:
        stopped = f"--max {count} reached"
    _note(command, f"tail: {count} message(s) from {topic}; stopped: {stopped}")


def _tail_line(message: Any, options: dict[str, Any]) -> dict[str, Any]:
    from wanzo_common.events.envelope import Event

    line = {"topic": message.topic, "partition": message.partition, "offset": message.offset}
    try:
        event = Event.from_message(message)
    except InvalidEvent as exc:
        line.update(error=str(exc))
    else:
        line.update(type=event.type, id=event.id, subject=event.subject)
        line.update(time=event.time.isoformat(), source=event.source)
        if not options["no_data"]:
            line["data"] = event.data
    return line


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
        _add_reading_options(sub, timeout=5.0, what="letters")
    replay = actions.choices["replay"]
    replay.add_argument("--dry-run", action="store_true", help="list only, send nothing")


def handle_dlq(command: BaseCommand, options: dict[str, Any]) -> None:
    from wanzo_common.events import deadletter
    from wanzo_common.events.conf import app_settings
    from wanzo_common.events.transports import get_transport

    group = options["group"] or app_settings.CONSUMER_GROUP_ID
    if not group:
        raise CommandError("no consumer group: pass --group or set CONSUMER_GROUP_ID")
    replaying = options["dlq_action"] == "replay" and not options["dry_run"]
    topic = deadletter.dlq_topic(group)
    transport = get_transport()
    _connect(transport)
    try:
        # As the consumer engine does: a group that never dead-lettered has an empty topic.
        transport.ensure_topics([topic])
    except Exception as exc:  # noqa: BLE001
        raise CommandError(f"dead-letter topic {topic} not available: {exc}") from exc
    count = 0
    try:
        for info in deadletter.iter_replay(
            group=group, transport=transport, max_messages=options["max_messages"],
            idle_timeout=options["timeout"], assignment_timeout=options["assignment_timeout"],
            dry_run=not replaying,
        ):  # fmt: skip
            command.stdout.write(json.dumps(_letter_line(info), ensure_ascii=False))
            count += 1
    except deadletter.NotAssigned as exc:
        raise CommandError(f"{exc} for topic {topic}; nothing was read") from exc
    except DeliveryError as exc:
        raise CommandError(f"replayed {count} dead letter(s) of {group}, then: {exc}") from exc
    if options["dlq_action"] == "replay":
        verb = "replayed" if replaying else "would replay"
        command.stdout.write(f"{verb} {count} dead letter(s) of {group}")
    else:
        _note(command, f"listed {count} dead letter(s) of {group} (topic {topic})")


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
    help = "Event layer debugging tools: publish, types, tail, dlq list|replay."

    def add_arguments(self, parser: Any) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", metavar="subcommand", required=True)
        for _, add, _ in SUBCOMMANDS:
            add(subparsers)

    def handle(self, *args: Any, **options: Any) -> None:
        handlers = {name: handler for name, _, handler in SUBCOMMANDS}
        handlers[options["subcommand"]](self, options)
