"""Tests of manage_all.py as a user runs it: the script, a one-off command, and ``up``.

The parts live in ``wanzo_common.devserver`` and are tested in ``tests/devserver``. The real
runs here start the services' own manage.py. They point DATABASE_URL at a temporary SQLite file,
and ``up`` runs from a copy of the repo, so the tests write nothing into the working tree.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from wanzo_common.api.keys import throwaway_key_env
from wanzo_common.devserver import main
from wanzo_common.devserver.portcheck import port_is_free
from wanzo_common.env import Env

from .devserver.helpers import free_ports, wait_for

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "manage_all.py"


def test_the_script_is_a_thin_entry_point():
    assert len(SCRIPT.read_text().splitlines()) < 30


def test_main_reports_a_missing_command_and_exits_2(capsys):
    assert main([], root=ROOT) == 2
    assert "missing command" in capsys.readouterr().err


def test_main_reports_an_unknown_service_and_exits_2(capsys):
    assert main(["check", "--only", "billing"], root=ROOT) == 2
    err = capsys.readouterr().err
    assert "billing" in err and "app_mobile" in err


# --- real runs ------------------------------------------------------------------------------


def test_check_runs_in_each_chosen_service(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/{{service}}.sqlite3")
    env["EVENTS_ALLOW_MOCK"] = "true"  # no broker here: the mock, opted in (wanzo_events.E006)
    env.update(throwaway_key_env())  # a key to verify tokens with (wanzo_api.E001)
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
    app_port, metrics_port, events_port, relay_port = free_ports(4)
    env = dict(
        os.environ,
        APP_PORT=str(app_port),
        PROMETHEUS_PORT=str(metrics_port),
        EVENTS_PROMETHEUS_PORT=str(events_port),
        RELAY_PROMETHEUS_PORT=str(relay_port),
        DATABASE_URL=f"sqlite:///{tmp_path}/{{service}}.sqlite3",
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
    assert port_is_free(app_port) and port_is_free(metrics_port)
    output = log_path.read_text()
    assert f"http://127.0.0.1:{metrics_port}/metrics" in output
    key = Env(repo / "services" / "admin" / ".env", environ={}).str("DJANGO_SECRET_KEY")
    assert key and key not in output


# --- helpers --------------------------------------------------------------------------------


def answers(url: str) -> int | None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return response.status
    except OSError:
        return None


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
    service's consumer, in its Celery worker, handles it over the dev broker."""
    repo = copy_of_repo(tmp_path / "repo", service="admin")
    shutil.copytree(ROOT / "services" / "auth", repo / "services" / "auth",
                    ignore=shutil.ignore_patterns(".env", "*.sqlite3", "__pycache__"))  # fmt: skip
    ports = free_ports(8)
    for index, service in enumerate(("admin", "auth")):
        app, metrics, celery, relay = ports[4 * index : 4 * index + 4]
        (repo / "services" / service / ".env").write_text(
            f"APP_PORT={app}\nPROMETHEUS_PORT={metrics}\nCELERY_PROMETHEUS_PORT={celery}\n"
            f"RELAY_PROMETHEUS_PORT={relay}\n"
            "DJANGO_SECRET_KEY=test-only\n"
        )
    env = {k: v for k, v in os.environ.items() if k not in {"KAFKA_BROKERS", "USE_KAFKA"}}
    env = {k: v for k, v in env.items() if not k.startswith("CELERY_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/{{service}}.sqlite3"
    log_path = tmp_path / "up.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(repo / "manage_all.py"), "up", "--only", "admin,auth"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        )  # fmt: skip
    try:
        def flowed() -> bool:
            text = log_path.read_text()
            return ("auth.worker" in text and "system.service_started from admin" in text
                    and "system.service_started from auth" in text)  # fmt: skip

        wait_for(flowed, "events handled by the other service", proc=proc, log=log_path)
        lines = log_path.read_text().splitlines()
        assert any(
            line.startswith("auth.worker") and "service_started from admin" in line
            for line in lines
        )
        assert any(
            line.startswith("admin.worker") and "service_started from auth" in line
            for line in lines
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log_path.read_text()
    finally:
        stop_up(proc)
