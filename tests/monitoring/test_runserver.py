"""The exporter under ``manage.py``: bound by the process that serves, by no other command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.monitoring.conftest import PYTHON, REPO, clean_env, free_port
from wanzo_common.monitoring import runserver
from wanzo_common.monitoring.testing import parse_exposition, sample_sum

ADMIN = REPO / "services" / "admin"


@pytest.mark.parametrize(
    ("argv", "environ", "serving"),
    [
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, True),  # the autoreloader's child
        (["manage.py", "runserver"], {}, False),  # the autoreloader's parent: watches only
        (["manage.py", "runserver", "--noreload"], {}, True),
        (["manage.py", "runserver", "0.0.0.0:8001", "--noreload"], {}, True),
        (["/x/django/__main__.py", "runserver", "8001"], {"RUN_MAIN": "true"}, True),
        (["manage.py", "runserver"], {"RUN_MAIN": "false"}, False),
        (["manage.py", "migrate"], {}, False),
        (["manage.py", "migrate"], {"RUN_MAIN": "true"}, False),
        (["manage.py", "shell"], {}, False),
        (["manage.py", "test", "--noreload"], {}, False),
        (["manage.py", "check"], {}, False),
        (["manage.py"], {"RUN_MAIN": "true"}, False),
        (["pytest", "tests"], {}, False),
    ],
)
def test_is_serving_process(argv, environ, serving):
    assert runserver.is_serving_process(argv, environ) is serving


def test_nothing_bound_in_this_test_process():
    assert runserver._server is None


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process exited early:\n{process.communicate()[1]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on port {port} after {timeout} s")


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("reload", [False, True], ids=["noreload", "autoreloader"])
def test_runserver_serves_metrics_on_prometheus_port(tmp_path, reload):
    """With the autoreloader, the scrape must come from the child that serves: it counted the
    request, and the parent (which serves nothing) holds no port."""
    app_port, metrics_port = free_port(), free_port()
    env = clean_env(
        PROMETHEUS_PORT=str(metrics_port), DATABASE_URL=f"sqlite:///{tmp_path / 'admin.sqlite3'}"
    )
    command = [PYTHON, "manage.py", "runserver", f"127.0.0.1:{app_port}"]
    if not reload:
        command.append("--noreload")
    process = subprocess.Popen(
        command, cwd=ADMIN, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, start_new_session=True,  # its own group: the reloader's child goes with it
    )  # fmt: skip
    try:
        wait_for_port(metrics_port, process)
        wait_for_port(app_port, process)
        assert fetch(f"http://127.0.0.1:{app_port}/healthz")
        samples = parse_exposition(fetch(f"http://127.0.0.1:{metrics_port}/metrics"))
        assert sample_sum(samples, "http_requests_total", route="healthz", status="200") == 1
        assert ("process_cpu_seconds_total", ()) in samples
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert "could not bind" not in stderr


MIGRATE_THEN_TRY_THE_PORT = """
import os, socket, sys
sys.argv = ["manage.py", "migrate", "--noinput", "-v", "0"]
os.environ["DJANGO_SETTINGS_MODULE"] = "admin_service.settings"
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
from wanzo_common.monitoring import runserver
assert runserver._server is None, "migrate started an exporter"
with socket.socket() as sock:
    sock.bind(("127.0.0.1", int(os.environ["PROMETHEUS_PORT"])))  # fails if anything bound it
print("port free after migrate")
"""


def test_migrate_binds_nothing(tmp_path):
    metrics_port = free_port()
    database = tmp_path / "admin.sqlite3"
    env = clean_env(PROMETHEUS_PORT=str(metrics_port), DATABASE_URL=f"sqlite:///{database}")
    result = subprocess.run(
        [PYTHON, "-c", MIGRATE_THEN_TRY_THE_PORT],
        cwd=ADMIN, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "port free after migrate" in result.stdout
    assert database.exists()  # migrate really ran, on the throwaway database
    assert port_is_free(metrics_port)
