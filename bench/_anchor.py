"""The anchor: a bare DRF + simplejwt (EdDSA) write view under gunicorn on the same PostgreSQL.

``bench/anchor/`` is the whole project (one model, one ModelSerializer, one INSERT in a
transaction). Started on a fresh database named after ``DATABASE_URL``'s (``..._anchor``),
driven by wrk in a closed loop; its CPU per request (gunicorn's master and workers and their
PostgreSQL backends, wrk excluded) is what every figure of the system is compared with.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import _proc
import psycopg

from wanzo_common.devserver.sandbox import free_ports

HERE = Path(__file__).resolve().parent / "anchor"
WORKERS = 4


@dataclass
class Anchor:
    rate: float
    cpu_ms: float  # per request, generator excluded
    by_class: dict[str, float]  # ms per request
    errors: int


def run(*, database_url: str, pg_params: dict, seconds: float, connections: int = 16) -> Anchor:
    from wanzo_common.api.keys import generate_key_pair

    name = _database_name(database_url)
    with psycopg.connect(**pg_params, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    private_pem, public_pem = generate_key_pair()
    port = free_ports(1)[0]
    env = {**os.environ, "DATABASE_URL": _with_name(database_url, name),
           "JWT_PUBLIC_KEY": public_pem, "JWT_PRIVATE_KEY": private_pem,
           "DJANGO_SETTINGS_MODULE": "settings", "PYTHONPATH": str(HERE)}  # fmt: skip
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--run-syncdb", "-v", "0"],
                   cwd=HERE, env=env, check=True)  # fmt: skip
    token = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n"
         "from rest_framework_simplejwt.tokens import AccessToken\n"
         "t = AccessToken(); t['user_id'] = 1; print(t)"],
        cwd=HERE, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:application"],
        cwd=HERE, env=env,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/notes/"
        _wait(url)
        wrk = ["wrk", "-t", "2", "-c", str(connections), "-s", str(HERE / "anchor.lua"), url]
        wrk_env = {**os.environ, "ANCHOR_TOKEN": token}
        subprocess.run([*wrk, "-d", "2s"], env=wrk_env, check=True, capture_output=True)  # warm
        with psycopg.connect(**pg_params, autocommit=True) as pg:
            before = _proc.Snapshot(roots={"anchor gunicorn": server.pid}, pg=pg, databases=[name])
            done = subprocess.run([*wrk, "-d", f"{seconds:g}s"], env=wrk_env, check=True,
                                  capture_output=True, text=True)  # fmt: skip
            after = _proc.Snapshot(roots={"anchor gunicorn": server.pid}, pg=pg, databases=[name])
    finally:
        server.terminate()
        server.wait(30)
    by_class, _, _ = before.delta(after)
    requests, errors = _requests(done.stdout)
    per = {kind: seconds * 1e3 / max(1, requests) for kind, seconds in by_class.items()}
    return Anchor(rate=requests / seconds, cpu_ms=sum(per.values()), by_class=per, errors=errors)


def _requests(wrk_output: str) -> tuple[int, int]:
    """wrk's count of requests, and of answers that were not 2xx/3xx."""
    requests = errors = 0
    for line in wrk_output.splitlines():
        if "requests in" in line:
            requests = int(line.split()[0])
        elif "Non-2xx or 3xx responses:" in line:
            errors = int(line.rsplit(":", 1)[1])
    return requests, errors


def _wait(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
        except urllib.error.HTTPError:
            return  # it answers (405 to a GET, 401 without a token)
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the anchor never answered on {url}")


def _database_name(url: str) -> str:
    import dj_database_url

    return (
        dj_database_url.parse(url.replace("{service}", "x"))["NAME"].removesuffix("_x") + "_anchor"
    )


def _with_name(url: str, name: str) -> str:
    head, _, _ = url.replace("{service}", "x").rpartition("/")
    return f"{head}/{name}"
