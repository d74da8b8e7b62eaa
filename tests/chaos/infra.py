"""The soak's own PostgreSQL and Apache Kafka, which its nemesis stops and starts.

The shared PostgreSQL and Kafka of the machine serve other people's tests; a soak that restarts
them would break those. So each soak runs a PostgreSQL cluster of its own (``initdb`` into a
temporary directory, owned by the ``postgres`` user when we are root, since PostgreSQL refuses
to run as root) and a Kafka node of its own (``deploy/kafka/start.sh`` with a data directory
that is kept, so a restart keeps topics and committed offsets).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ROOT = Path(__file__).resolve().parents[2]


def _as_postgres(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the ``postgres`` user then."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


class Postgres:
    """A throwaway PostgreSQL 15 cluster on ``port``; trust authentication on loopback."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = port

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.directory, user.pw_uid, user.pw_gid)
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        subprocess.run(_as_postgres([*initdb, "--no-sync", "-E", "UTF8"]), check=True,
                       capture_output=True, timeout=120)  # fmt: skip
        settings = {
            "listen_addresses": "127.0.0.1", "port": self.port,
            "unix_socket_directories": str(self.directory), "max_connections": 300,
            "shared_buffers": "32MB", "fsync": "off",  # no OS crash here: the WAL suffices
        }  # fmt: skip
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            for name, value in settings.items():
                conf.write(f"{name} = '{value}'\n")

    def pg_ctl(self, *args: str, timeout: float = 120) -> None:
        argv = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", *args]
        subprocess.run(_as_postgres(argv), check=True, capture_output=True, timeout=timeout)

    def start(self) -> None:
        self.pg_ctl("start")

    def restart(self, mode: str) -> None:
        """``pg_ctl restart -m fast`` (sessions ended) or ``immediate`` (no shutdown checkpoint:
        crash recovery from the WAL at start-up)."""
        self.pg_ctl("restart", "-m", mode)

    def running(self) -> bool:
        argv = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"]
        return subprocess.run(_as_postgres(argv), capture_output=True).returncode == 0

    def stop(self) -> None:
        if self.data.exists() and self.running():
            self.pg_ctl("stop", "-m", "fast")

    def create_databases(self, names: list[str]) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            for name in names:
                conn.execute(f'CREATE DATABASE "{name}"')


class Kafka:
    """One Apache Kafka node (``deploy/kafka/start.sh``) whose data directory outlives restarts."""

    def __init__(self, directory: Path, port: int, controller_port: int) -> None:
        self.directory = directory
        self.port = port
        self.controller_port = controller_port
        self.log = directory / "kafka.out"
        self.proc: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 180) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ, "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_DATA_DIR": str(self.directory / "data"),
            "KAFKA_HEAP_OPTS": os.environ.get("CHAOS_KAFKA_HEAP_OPTS", "-Xms128m -Xmx512m"),
        }  # fmt: skip
        marker = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [str(ROOT / "deploy" / "kafka" / "start.sh")], env=env, stdout=out,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while "ready on" not in self.log.read_text(errors="replace")[marker:]:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-3000:]
                self.stop()
                raise RuntimeError(f"Kafka did not start:\n{tail}")
            time.sleep(0.3)

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM: the script stops the broker cleanly (a controlled shutdown)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def have_tools() -> str:
    """Why a soak cannot run here ("" if it can): PostgreSQL's binaries, Java, Kafka's jars."""
    if not (PG_BIN / "initdb").exists():
        return f"no PostgreSQL binaries in {PG_BIN} (set PG_BIN)"
    if shutil.which("java") is None:
        return "no java for Apache Kafka"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser"
    return ""
