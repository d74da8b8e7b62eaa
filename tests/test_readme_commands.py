"""The README's commands, as a newcomer types them, after bringing the system up its way.

The command lines are read from README.md (its ``sh`` blocks and inline code), so a change to the
README changes what runs here. The system: a copy of the repository whose ``.env`` files are
written by the function ``make up`` uses (only the ports are then moved off the defaults, which
other runs on the machine may hold), then ``manage_all.py up``, what ``make up`` runs. The
commands get a newcomer's shell: no DATABASE_URL, no broker, no settings of our own, so they read
the ``.env`` files ``make up`` wrote and the SQLite files beside them.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from wanzo_common.devserver.run import write_env_files
from wanzo_common.devserver.sandbox import SERVICES, copy_of_repo, status
from wanzo_common.env import Env

from .devserver.helpers import free_ports, wait_for

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# What the README's placeholders stand for here; optional `[...]` parts are left out (a tail
# then gets the README's `--timeout S`: without it, it waits for messages forever).
PLACEHOLDERS = {"<topic>": "user", "--email ...": "--email root@example.com"}
# The README commands this test must find: each one a newcomer is told to run by hand.
EXPECTED = ("check", "migrate", "runserver", "create_internal_admin", "consume_events", "tail")
# What a newcomer's shell does not have (CI and pytest set some of them).
SCRUBBED = ("DATABASE_URL", "USE_KAFKA", "KAFKA_", "EVENTS_", "DJANGO_", "JWT_", "PROMETHEUS_")
SCRUBBED += ("CELERY_",)


def readme_commands(text: str) -> list[str]:
    """Every `manage.py` / `manage_all.py` command line of the README, placeholders filled."""
    candidates = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        candidates += block.splitlines()
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    inline = re.findall(r"`([^`]*manage(?:_all)?\.py [^`]*)`", prose)
    candidates += [" ".join(code.split()) for code in inline]  # a span may wrap a line
    commands = []
    for line in candidates:
        line = line.split(" #", 1)[0].strip()
        if not re.search(r"\bmanage(_all)?\.py \w", line) or line.startswith(("make ", "curl")):
            continue
        line = re.sub(r"\s*\[[^\]]*\]", "", line)
        for placeholder, value in PLACEHOLDERS.items():
            line = line.replace(placeholder, value)
        if line not in commands:
            commands.append(line)
    return commands


def word_of(command: str) -> str:
    """The manage.py command (``events tail`` -> ``tail``), to pick how to run it."""
    words = shlex.split(command.split("&&")[-1])
    after = words[[i for i, w in enumerate(words) if w.endswith(".py")][0] + 1 :]
    return after[1] if after[0] == "events" else after[0]


def test_the_readme_names_every_command_a_newcomer_runs():
    words = {word_of(command) for command in readme_commands(README.read_text())}
    assert set(EXPECTED) <= words, sorted(words)


@pytest.fixture
def system(tmp_path):
    """`make up`'s way in a copy of the repo; yields (root, env of a newcomer's shell)."""
    root = copy_of_repo(tmp_path / "repo")
    write_env_files(list(SERVICES), root=root)
    ports = iter(free_ports(5 * len(SERVICES)))
    for service in SERVICES:
        env_file = root / "services" / service / ".env"
        assert Env(env_file, environ={}).bool("DJANGO_DEBUG", False), "make up's .env: debug on"
        with env_file.open("a") as stream:
            for name in ("APP_PORT", "PROMETHEUS_PORT", "CELERY_PROMETHEUS_PORT",
                         "EVENTS_PROMETHEUS_PORT", "RELAY_PROMETHEUS_PORT"):  # fmt: skip
                stream.write(f"{name}={next(ports)}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    log_path = tmp_path / "up.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "manage_all.py", "up"], env=env, cwd=root, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for(lambda: "ready; Ctrl-C" in log_path.read_text(), "make up", proc=proc,
                 log=log_path, timeout=240)  # fmt: skip
        yield root, env
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, log_path.read_text()[-5000:]


@pytest.mark.integration
def test_every_readme_command_works_after_make_up(system, tmp_path):
    root, env = system
    env = {**env, "WANZO_ADMIN_PASSWORD": "a long passphrase for root"}
    commands = readme_commands(README.read_text())
    ran = set()
    for command in commands:
        word = word_of(command)
        if word not in EXPECTED:
            continue
        ran.add(word)
        for cwd, argv in invocations(command, root):
            if word == "tail":
                argv = [*argv, "--timeout", "2"]
            where = cwd.relative_to(root)
            if word in {"runserver", "consume_events"}:
                check_long_running(word, argv, cwd, env, tmp_path)
                continue
            result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                                    timeout=300)  # fmt: skip
            assert result.returncode == 0, f"{command} in {where}:\n{result.stdout}{result.stderr}"
            if word == "tail":
                assert "tail: 0 message(s) from wanzo.users" in result.stderr
    assert ran == set(EXPECTED)


def invocations(command: str, root: Path) -> list[tuple[Path, list[str]]]:
    """Where and how to run one README line: `cd x && ...` in x; a bare `manage.py ...` in
    every service; `python` is this interpreter (the README's venv)."""
    cwd = root
    if "&&" in command:
        cd, command = (part.strip() for part in command.split("&&", 1))
        cwd = root / shlex.split(cd)[1]
    argv = shlex.split(command)
    if argv[0] == "python":
        argv[0] = sys.executable
    if argv[0] == "manage.py":
        return [(root / "services" / s, [sys.executable, *argv]) for s in SERVICES]
    return [(cwd, argv)]


def check_long_running(word, argv, cwd, env, tmp_path):
    """runserver answers /healthz; consume_events starts consuming; both stop on SIGTERM."""
    log_path = tmp_path / f"{word}-{cwd.name}.log"
    if word == "runserver":  # the README's default port 8000 may be taken on a shared machine
        (port,) = free_ports(1)
        argv = [*argv, f"127.0.0.1:{port}", "--noreload"]
        ready = lambda: status(f"http://127.0.0.1:{port}/healthz") == 200  # noqa: E731
    else:
        ready = lambda: "consuming wanzo." in log_path.read_text()  # noqa: E731
    with log_path.open("w") as log:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(ready, f"{word} in {cwd.name}", proc=proc, log=log_path, timeout=120)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) in (0, -signal.SIGTERM), log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
