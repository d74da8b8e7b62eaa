"""The command line of ``manage_all.py``: what to run, in which services, with which server.

``--only`` and ``--sequential`` are recognised anywhere before ``--`` (they belong to us, not to
the manage.py command); everything after ``--`` goes to manage.py untouched. ``up`` has its own
argparse parser. Nothing here starts a process.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from wanzo_common.ports import SERVICES

USAGE = """\
    python manage_all.py <manage.py command> [args ...] [--only auth,admin] [--sequential]
    python manage_all.py up [--only ...] [--server runserver|gunicorn] [--workers N]
                            [--no-migrate] [--no-events] [--ready-timeout SECONDS]
                            [--consumers workers|commands]
    python manage_all.py demo [--duration SECONDS] [--rate ACTIONS_PER_SECOND]
                              [--organizations N]

A command runs in every chosen service at the same time, one subprocess each with its working
directory in services/<name>; each output line is prefixed with the service's name. A table of
exit codes and durations follows, and the exit status is 1 if any service failed.
--sequential runs them one after the other with the terminal attached instead (for interactive
commands such as createsuperuser). --only and --sequential are recognised anywhere before --;
everything after -- goes to manage.py untouched.

up creates each service's .env from .env.example with a fresh secret key if it has none,
migrates, starts the dev broker, then each service's roles as compose runs them: its server, a
Celery worker hosting its event consumer, its outbox relay and, for admin and auth, Celery beat.
Celery's broker is CELERY_BROKER_URL (e.g. Redis) when set, else folders under var/celery/.
--consumers commands runs each consumer as a consume_events process instead, with tasks run
eagerly and no worker or beat. up prints a table of URLs once every /healthz answers, and stops
everything on Ctrl-C or SIGTERM (exit status 0), or as soon as one process dies on its own
(exit status 1). Ports come from APP_PORT / PROMETHEUS_PORT / CELERY_PROMETHEUS_PORT /
EVENTS_PROMETHEUS_PORT in the environment, then in the service's .env, then from
wanzo_common/ports.py; a value in the environment applies to every chosen service, so use it
with --only and one service.

demo drives the services that `up` is running (in another terminal): it creates organisations,
users and an internal admin, then runs every business flow at --rate actions a second for
--duration seconds, printing a progress line, so that every domain metric has data.
"""


class UsageError(Exception):
    """A mistake on the command line or in the configuration: one line, exit status 2."""


@dataclass
class Options:
    command: str
    args: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=lambda: list(SERVICES))
    sequential: bool = False
    server: str = "runserver"
    workers: int | None = None
    migrate: bool = True
    ready_timeout: float = 60.0
    events: bool = True  # dev broker (unless KAFKA_BROKERS is set), consumers and relays
    consumers: str = "workers"  # in Celery workers (with beat), or "commands": consume_events
    duration: float = 60.0  # demo
    rate: float = 5.0  # demo: actions per second
    organizations: int = 3  # demo


def parse_services(value: str | None) -> list[str]:
    """``--only a,b`` -> the chosen services in canonical order; all of them without it."""
    if value is None:
        return list(SERVICES)
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in SERVICES]
    if unknown or not names:
        given = ", ".join(unknown) or repr(value)
        raise UsageError(f"unknown service(s): {given}; valid: {', '.join(SERVICES)}")
    return [name for name in SERVICES if name in names]


def _split_own_options(argv: list[str]) -> tuple[str | None, bool, list[str]]:
    """Take ``--only`` and ``--sequential`` out of argv; the rest belongs to the command."""
    only, sequential, rest = None, False, []
    items = iter(argv)
    for item in items:
        if item == "--":
            rest.extend(items)
        elif item == "--only":
            only = next(items, None)
            if only is None:
                raise UsageError("--only needs a value, e.g. --only auth,admin")
        elif item.startswith("--only="):
            only = item.partition("=")[2]
        elif item == "--sequential":
            sequential = True
        else:
            rest.append(item)
    return only, sequential, rest


def _up_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage_all.py up", description="Run the services.")
    parser.add_argument("--only", help="comma-separated services (default: all)")
    parser.add_argument("--server", choices=["runserver", "gunicorn"], default="runserver")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: its config's)")
    parser.add_argument("--no-migrate", dest="migrate", action="store_false")
    parser.add_argument("--ready-timeout", type=float, default=60.0, metavar="SECONDS")
    parser.add_argument(
        "--no-events",
        dest="events",
        action="store_false",
        help="no broker, consumers or relays (events stay in the mock transport)",
    )
    parser.add_argument(
        "--consumers",
        choices=["workers", "commands"],
        default="workers",
        help="host the event consumers in Celery workers, with beat (default, as deployed), "
        "or run them as consume_events processes with tasks run eagerly",
    )
    return parser


def _demo_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="manage_all.py demo", description="Drive every flow of the running services."
    )
    parser.add_argument("--duration", type=float, default=60.0, metavar="SECONDS")
    parser.add_argument("--rate", type=float, default=5.0, help="actions per second")
    parser.add_argument("--organizations", type=int, default=3, metavar="N")
    return parser


def parse_args(argv: list[str]) -> Options:
    only, sequential, rest = _split_own_options(argv)
    if not rest or rest[0] in {"-h", "--help"}:
        if rest:
            print(USAGE)
            raise SystemExit(0)
        raise UsageError("missing command; see python manage_all.py --help")
    services = parse_services(only)
    if rest[0] == "demo":
        ns = _demo_parser().parse_args(rest[1:])
        if ns.duration <= 0 or ns.rate <= 0 or ns.organizations < 1:
            raise UsageError("--duration, --rate and --organizations must be positive")
        return Options(
            "demo", duration=ns.duration, rate=ns.rate, organizations=ns.organizations
        )
    if rest[0] != "up":
        return Options(rest[0], rest[1:], services, sequential=sequential)
    if sequential:
        raise UsageError("--sequential is for one-off commands, not for up")
    ns = _up_parser().parse_args(rest[1:])
    if ns.workers is not None and (ns.server != "gunicorn" or ns.workers < 1):
        raise UsageError("--workers needs --server gunicorn and a positive number")
    services = parse_services(ns.only) if ns.only is not None else services
    return Options(
        "up",
        [],
        services,
        server=ns.server,
        workers=ns.workers,
        migrate=ns.migrate,
        ready_timeout=ns.ready_timeout,
        events=ns.events,
        consumers=ns.consumers,
    )
