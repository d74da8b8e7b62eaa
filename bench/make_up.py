"""What ``make up``'s production roles cost a laptop: start time, processes, memory, stop time.

    .venv/bin/python bench/make_up.py     # ~2 minutes on 2 CPUs

Runs ``manage_all.py up`` for the four services twice, in a throwaway copy of the repo on free
ports with SQLite files (as a newcomer's ``make up``): as shipped (``--consumers workers``: each
service's server, Celery worker hosting its consumer, relay, and beat for admin and auth, on the
filesystem Celery broker) and with ``--consumers commands`` (``consume_events`` processes, tasks
run eagerly). For each it prints the seconds until ``up`` announces "ready" (every server's
/healthz and every worker's metrics port answer), the processes under ``up`` and their resident
memory (summed RSS, which counts shared pages once per process: an upper bound), and the seconds a
SIGTERM takes to stop them all. Wall time on a shared machine: compare runs made side by side.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wanzo_common.devserver.sandbox import SERVICES, copy_of_repo, free_ports  # noqa: E402

SCRUBBED = ("DATABASE_URL", "USE_KAFKA", "KAFKA_", "EVENTS_", "CELERY_", "PROMETHEUS_", "DJANGO_")
PORTS = ("APP_PORT", "PROMETHEUS_PORT", "CELERY_PROMETHEUS_PORT", "EVENTS_PROMETHEUS_PORT")


def descendants(pid: int) -> list[int]:
    """Every process whose parent chain leads to ``pid`` (children lead sessions of their own)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run(mode: str, tmp: Path) -> tuple[float, int, float, float]:
    root = copy_of_repo(tmp / mode)
    ports = iter(free_ports(len(PORTS) * len(SERVICES)))
    for service in SERVICES:
        lines = [f"{name}={next(ports)}" for name in PORTS]
        (root / "services" / service / ".env").write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}
    env["DATABASE_URL"] = f"sqlite:///{tmp}/{mode}-{{service}}.sqlite3"
    log_path = tmp / f"{mode}.log"
    argv = [sys.executable, "manage_all.py", "up", "--consumers", mode, "--ready-timeout", "300"]
    started = time.monotonic()
    with log_path.open("w") as log:
        proc = subprocess.Popen(argv, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while "ready; Ctrl-C" not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() - started > 360:
                raise SystemExit(f"up ({mode}) did not get ready:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        ready = time.monotonic() - started
        time.sleep(10)  # the announcements, and every process past its start-up
        pids = descendants(proc.pid)
        memory = rss_mib(pids)
        stopping = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
        stop = time.monotonic() - stopping
        if code != 0:
            print(f"warning: up ({mode}) exited {code}; see {log_path}")
        return ready, len(pids), memory, stop
    finally:
        if proc.poll() is None:
            proc.kill()


def main() -> None:
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-make-up-") as tmp:
        for mode in ("workers", "commands"):
            rows.append((mode, *run(mode, Path(tmp))))
    print(f"{'consumers':<10} {'ready s':>8} {'processes':>10} {'RSS MiB':>8} {'stop s':>7}")
    for mode, ready, count, memory, stop in rows:
        print(f"{mode:<10} {ready:8.1f} {count:10d} {memory:8.0f} {stop:7.1f}")
    (_, r1, c1, m1, _), (_, r2, c2, m2, _) = rows
    print(f"workers/commands: ready x{r1 / r2:.2f}, processes x{c1 / c2:.2f}, RSS x{m1 / m2:.2f}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
