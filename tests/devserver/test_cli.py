"""The command line: our options taken out, the rest passed to manage.py; up's own parser."""

from __future__ import annotations

import pytest

from wanzo_common.devserver.cli import Options, UsageError, parse_args
from wanzo_common.ports import SERVICES


def test_command_takes_only_from_anywhere_and_keeps_the_rest():
    opts = parse_args(["migrate", "--only", "auth,admin", "--noinput"])
    assert (opts.command, opts.args) == ("migrate", ["--noinput"])
    assert opts.services == ["admin", "auth"]  # canonical order, whatever the given order


def test_double_dash_passes_everything_after_it_verbatim():
    opts = parse_args(["--only=auth", "test", "--", "--only", "x", "--sequential"])
    assert (opts.command, opts.args) == ("test", ["--only", "x", "--sequential"])
    assert opts.services == ["auth"]
    assert opts.sequential is False


def test_all_services_by_default():
    assert parse_args(["check"]).services == list(SERVICES)


@pytest.mark.parametrize("value", ["auth,nope", "nope", ",", ""])
def test_unknown_services_are_refused_with_the_valid_names(value):
    with pytest.raises(UsageError) as error:
        parse_args(["check", "--only", value])
    for name in ("admin", "accounting", "app_mobile", "auth"):
        assert name in str(error.value)


def test_only_needs_a_value():
    with pytest.raises(UsageError, match="--only needs a value"):
        parse_args(["check", "--only"])


def test_a_command_is_required():
    with pytest.raises(UsageError, match="missing command"):
        parse_args([])


def test_help_prints_the_usage(capsys):
    with pytest.raises(SystemExit) as exited:
        parse_args(["--help"])
    assert exited.value.code == 0
    assert "python manage_all.py up" in capsys.readouterr().out


def test_up_options():
    opts = parse_args(
        ["up", "--only", "auth", "--server", "gunicorn", "--workers", "3", "--no-migrate"]
    )
    assert opts == Options(
        "up", [], ["auth"], server="gunicorn", workers=3, migrate=False, ready_timeout=60.0
    )


def test_up_defaults():
    opts = parse_args(["up"])
    assert (opts.server, opts.workers, opts.migrate, opts.events) == ("runserver", None, True, True)
    assert opts.services == list(SERVICES)


def test_no_events_reaches_the_options():
    assert parse_args(["up", "--no-events"]).events is False


@pytest.mark.parametrize(
    "argv", [["up", "--workers", "2"], ["up", "--server", "gunicorn", "--workers", "0"]]
)
def test_workers_need_gunicorn_and_a_positive_count(argv):
    with pytest.raises(UsageError, match="--workers"):
        parse_args(argv)


def test_up_refuses_sequential():
    with pytest.raises(UsageError, match="--sequential"):
        parse_args(["up", "--sequential"])


def test_consumers_are_hosted_by_workers_unless_asked_for_as_commands():
    assert parse_args(["up"]).consumers == "workers"
    assert parse_args(["up", "--consumers", "commands"]).consumers == "commands"
    with pytest.raises(SystemExit):
        parse_args(["up", "--consumers", "threads"])
