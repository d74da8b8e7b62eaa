"""Tests of manage_all.py: its pure parts, its supervisor on small processes, and real runs.

The real runs start the services' own manage.py. They point DATABASE_URL at a temporary SQLite
file, and `up` runs from a copy of the repo, so the tests write nothing into the working tree.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

import manage_all
from manage_all import Options, ProcessSpec, StopSignal, Supervisor, UsageError

ROOT = Path(manage_all.__file__).resolve().parent
SCRIPT = ROOT / "manage_all.py"


# --- argument parsing -----------------------------------------------------------------------


def test_command_takes_only_from_anywhere_and_keeps_the_rest():
    opts = manage_all.parse_args(["migrate", "--only", "auth,admin", "--noinput"])
    assert (opts.command, opts.args) == ("migrate", ["--noinput"])
    assert opts.services == ["admin", "auth"]  # canonical order, whatever the given order


def test_double_dash_passes_everything_after_it_verbatim():
    opts = manage_all.parse_args(["--only=auth", "test", "--", "--only", "x", "--sequential"])
    assert (opts.command, opts.args) == ("test", ["--only", "x", "--sequential"])
    assert opts.services == ["auth"]
    assert opts.sequential is False


def test_all_services_by_default():
    assert manage_all.parse_args(["check"]).services == list(manage_all.SERVICES)


@pytest.mark.parametrize("value", ["auth,nope", "nope", ",", ""])
def test_unknown_services_are_refused_with_the_valid_names(value):
    with pytest.raises(UsageError) as error:
        manage_all.parse_args(["check", "--only", value])
    for name in ("admin", "accounting", "app_mobile", "auth"):
        assert name in str(error.value)


def test_only_needs_a_value():
    with pytest.raises(UsageError, match="--only needs a value"):
        manage_all.parse_args(["check", "--only"])


def test_a_command_is_required(capsys):
    assert manage_all.main([]) == 2
    assert "missing command" in capsys.readouterr().err


def test_main_reports_an_unknown_service_and_exits_2(capsys):
    assert manage_all.main(["check", "--only", "billing"]) == 2
    err = capsys.readouterr().err
    assert "billing" in err and "app_mobile" in err


def test_up_options():
    opts = manage_all.parse_args(
        ["up", "--only", "auth", "--server", "gunicorn", "--workers", "3", "--no-migrate"]
    )
    assert opts == Options(
        "up", [], ["auth"], server="gunicorn", workers=3, migrate=False, ready_timeout=60.0
    )


def test_up_defaults():
    opts = manage_all.parse_args(["up"])
    assert (opts.server, opts.workers, opts.migrate) == ("runserver", None, True)
    assert opts.services == list(manage_all.SERVICES)


@pytest.mark.parametrize(
    "argv", [["up", "--workers", "2"], ["up", "--server", "gunicorn", "--workers", "0"]]
)
def test_workers_need_gunicorn_and_a_positive_count(argv):
    with pytest.raises(UsageError, match="--workers"):
        manage_all.parse_args(argv)


def test_up_refuses_sequential():
    with pytest.raises(UsageError, match="--sequential"):
        manage_all.parse_args(["up", "--sequential"])


# --- .env files and ports -------------------------------------------------------------------

EXAMPLE = textwrap.dedent(
    """\
    # a comment
    DJANGO_SECRET_KEY=
    APP_PORT=8001
    LOG_LEVEL=INFO
    """
)


def service_dir(tmp_path: Path, name: str = "admin", example: str | None = EXAMPLE) -> Path:
    path = tmp_path / "services" / name
    path.mkdir(parents=True)
    if example is not None:
        (path / ".env.example").write_text(example)
    return path


def test_env_file_is_created_from_the_example_with_a_fresh_private_key(tmp_path):
    first, second = service_dir(tmp_path, "admin"), service_dir(tmp_path, "auth")
    note = manage_all.ensure_env_file(first)
    manage_all.ensure_env_file(second)
    values = manage_all.read_env_file(first / ".env")
    key = values["DJANGO_SECRET_KEY"]
    assert len(key) >= 50
    assert key != manage_all.read_env_file(second / ".env")["DJANGO_SECRET_KEY"]
    assert (values["APP_PORT"], values["LOG_LEVEL"]) == ("8001", "INFO")
    assert "# a comment" in (first / ".env").read_text()
    assert stat.S_IMODE((first / ".env").stat().st_mode) == 0o600
    assert "services/admin/.env" in note and key not in note


def test_an_existing_key_is_kept(tmp_path):
    path = service_dir(tmp_path)
    (path / ".env").write_text("DJANGO_SECRET_KEY=mine\nAPP_PORT=9000\n")
    assert manage_all.ensure_env_file(path) is None
    assert (path / ".env").read_text() == "DJANGO_SECRET_KEY=mine\nAPP_PORT=9000\n"


def test_an_empty_key_in_an_existing_file_is_filled(tmp_path):
    path = service_dir(tmp_path)
    (path / ".env").write_text("APP_PORT=9000\nDJANGO_SECRET_KEY=\n")
    assert "added" in manage_all.ensure_env_file(path)
    values = manage_all.read_env_file(path / ".env")
    assert values["APP_PORT"] == "9000" and values["DJANGO_SECRET_KEY"]


def test_a_key_is_written_even_without_an_example(tmp_path):
    path = service_dir(tmp_path, example=None)
    manage_all.ensure_env_file(path)
    assert manage_all.read_env_file(path / ".env")["DJANGO_SECRET_KEY"]


def test_read_env_file_understands_comments_quotes_and_export(tmp_path):
    path = tmp_path / ".env"
    path.write_text('# c\nexport A=1\nB="two words"\nC=3 # note\nD=\nnot a pair\n')
    assert manage_all.read_env_file(path) == {"A": "1", "B": "two words", "C": "3", "D": ""}


def test_ports_come_from_the_environment_then_the_env_file_then_the_defaults():
    resolve = manage_all.resolve_ports
    assert resolve("auth", environ={}, env_file={}) == manage_all.Ports(8004, 9467)
    from_file = {"APP_PORT": "7001", "PROMETHEUS_PORT": "7002"}
    assert resolve("auth", environ={}, env_file=from_file) == manage_all.Ports(7001, 7002)
    environ = {"APP_PORT": "6001", "PROMETHEUS_PORT": ""}
    assert resolve("auth", environ=environ, env_file=from_file) == manage_all.Ports(6001, 7002)


def test_an_invalid_port_is_refused():
    with pytest.raises(UsageError, match="PROMETHEUS_PORT for admin"):
        manage_all.resolve_ports("admin", environ={"PROMETHEUS_PORT": "x"}, env_file={})


def test_check_ports_refuses_a_port_given_twice():
    admin_app, auth_app, shared = free_ports(3)
    ports = {
        "admin": manage_all.Ports(admin_app, shared),
        "auth": manage_all.Ports(auth_app, shared),
    }
    with pytest.raises(UsageError, match=f"port {shared} given to both admin metrics and auth"):
        manage_all.check_ports(ports)


def test_check_ports_refuses_a_port_in_use():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(UsageError, match=f"port {port} \\(admin metrics\\) is already in use"):
            manage_all.check_ports({"admin": manage_all.Ports(free_ports(1)[0], port)})


# --- supervisor, on small processes ---------------------------------------------------------


def python_spec(name: str, code: str, tmp_path: Path) -> ProcessSpec:
    return ProcessSpec(name, [sys.executable, "-c", code], tmp_path, dict(os.environ))


def test_run_batch_prefixes_output_and_fails_if_any_fails(tmp_path, capsys):
    specs = [
        python_spec("good", "print('hello')", tmp_path),
        python_spec("bad", "import sys; print('oops'); sys.exit(3)", tmp_path),
    ]
    status, table = manage_all.run_batch(specs, StopSignal())
    out = capsys.readouterr().out
    assert status == 1
    assert "good       | hello" in out and "bad        | oops" in out
    rows = {line.split()[0]: line.split()[1:3] for line in table.splitlines()[1:]}
    assert rows == {"good": ["ok", "0"], "bad": ["FAILED", "3"]}


def test_watch_returns_the_process_that_died(tmp_path):
    supervisor = Supervisor(StopSignal())
    supervisor.start_all(
        [
            python_spec("sleeper", "import time; time.sleep(60)", tmp_path),
            python_spec("crasher", "raise SystemExit(4)", tmp_path),
        ]
    )
    dead = supervisor.watch()
    assert (dead.spec.name, dead.proc.returncode) == ("crasher", 4)
    assert supervisor.stop() == []
    assert supervisor.running[0].proc.returncode == -signal.SIGTERM


def test_stop_kills_what_ignores_sigterm_after_the_grace_period(tmp_path):
    flag = tmp_path / "ignoring"
    stubborn = (
        "import signal, time, pathlib; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"pathlib.Path({str(flag)!r}).touch(); time.sleep(60)"
    )
    supervisor = Supervisor(StopSignal(), grace=0.5)
    supervisor.start_all(
        [
            python_spec("stubborn", stubborn, tmp_path),
            python_spec("polite", "import time; time.sleep(60)", tmp_path),
        ]
    )
    wait_for(flag.exists, "the stubborn child to ignore SIGTERM")
    assert supervisor.stop() == ["stubborn"]
    assert [item.proc.returncode for item in supervisor.running] == [
        -signal.SIGKILL,
        -signal.SIGTERM,
    ]


# --- real runs ------------------------------------------------------------------------------


def test_check_runs_in_each_chosen_service(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/{{service}}.sqlite3")
    env["EVENTS_ALLOW_MOCK"] = "true"  # no broker here: the mock, opted in (wanzo_events.E006)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "check", "--only", "admin,auth"],
        env=env, capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for service in ("admin", "auth"):
        assert any(line.startswith(f"{service} ") and "System check" in line for line in lines)
        assert any(line.split()[:3] == [service, "ok", "0"] for line in lines)
    assert not any(line.startswith("accounting") for line in lines)


def test_up_serves_a_service_and_stops_cleanly_on_sigterm(tmp_path):
    repo = copy_of_repo(tmp_path / "repo", service="admin")
    app_port, metrics_port = free_ports(2)
    env = dict(
        os.environ,
        APP_PORT=str(app_port),
        PROMETHEUS_PORT=str(metrics_port),
        DATABASE_URL=f"sqlite:///{tmp_path}/{{service}}.sqlite3",
        EVENTS_ALLOW_MOCK="true",  # as `make up`: migrate runs before the broker, on the mock
    )
    log_path = tmp_path / "up.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(repo / "manage_all.py"), "up", "--only", "admin",
             "--server", "runserver"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        )  # fmt: skip
    try:
        healthz = f"http://127.0.0.1:{app_port}/healthz"
        wait_for(lambda: answers(healthz) == 200, "/healthz", proc=proc, log=log_path)
        assert answers(f"http://127.0.0.1:{metrics_port}/metrics") == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log_path.read_text()
    finally:
        stop_up(proc)
    assert manage_all.port_is_free(app_port) and manage_all.port_is_free(metrics_port)
    output = log_path.read_text()
    assert f"http://127.0.0.1:{metrics_port}/metrics" in output
    key = manage_all.read_env_file(repo / "services" / "admin" / ".env")["DJANGO_SECRET_KEY"]
    assert key and key not in output


# --- helpers --------------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """Distinct free ports: all probes stay bound until every port is chosen."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def answers(url: str) -> int | None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return response.status
    except OSError:
        return None


def wait_for(condition, what: str, *, proc=None, log: Path | None = None, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"exited ({proc.returncode}) before {what}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}" + (f":\n{log.read_text()}" if log else ""))
        time.sleep(0.2)


def stop_up(proc: subprocess.Popen) -> None:
    """Stop a `manage_all.py up` left running by a failed test: SIGTERM lets it stop its
    children (a SIGKILL would orphan them, holding their ports for later tests)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def copy_of_repo(target: Path, *, service: str) -> Path:
    """manage_all.py and one service copied (so `up` writes its .env here), the rest linked."""
    target.mkdir()
    shutil.copy2(SCRIPT, target / "manage_all.py")
    ignore = shutil.ignore_patterns(".env", "*.sqlite3", "__pycache__")
    shutil.copytree(ROOT / "services" / service, target / "services" / service, ignore=ignore)
    for shared in ("wanzo_common", "deploy"):
        (target / shared).symlink_to(ROOT / shared)
    return target


@pytest.mark.integration
def test_up_runs_a_broker_and_events_flow_between_services(tmp_path):
    """Each service announces system.service_started through its outbox and relay; the other
    service's consumer, in its own process, handles it over the dev broker."""
    repo = copy_of_repo(tmp_path / "repo", service="admin")
    shutil.copytree(ROOT / "services" / "auth", repo / "services" / "auth",
                    ignore=shutil.ignore_patterns(".env", "*.sqlite3", "__pycache__"))  # fmt: skip
    ports = free_ports(6)
    for index, service in enumerate(("admin", "auth")):
        app, metrics = ports[2 * index], ports[2 * index + 1]
        (repo / "services" / service / ".env").write_text(
            f"APP_PORT={app}\nPROMETHEUS_PORT={metrics}\nDJANGO_SECRET_KEY=test-only\n"
        )
    env = {k: v for k, v in os.environ.items() if k not in {"KAFKA_BROKERS", "USE_KAFKA"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/{{service}}.sqlite3"
    env["EVENTS_ALLOW_MOCK"] = "true"  # as `make up`: migrate runs before the broker, on the mock
    log_path = tmp_path / "up.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(repo / "manage_all.py"), "up", "--only", "admin,auth"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        )  # fmt: skip
    try:
        def flowed() -> bool:
            text = log_path.read_text()
            return ("auth.consumer" in text and "system.service_started from admin" in text
                    and "system.service_started from auth" in text)  # fmt: skip

        wait_for(flowed, "events handled by the other service", proc=proc, log=log_path)
        lines = log_path.read_text().splitlines()
        assert any(
            line.startswith("auth.consumer") and "service_started from admin" in line
            for line in lines
        )
        assert any(
            line.startswith("admin.consumer") and "service_started from auth" in line
            for line in lines
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log_path.read_text()
    finally:
        stop_up(proc)
