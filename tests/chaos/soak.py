"""One soak: the system on its own PostgreSQL and Kafka, the workload, the nemesis, the checker.

``bench/chaos.py`` (``make chaos``) and ``tests/chaos/test_chaos.py`` call :func:`soak`. The run
prints its seed first; the same seed draws the same faults, services, outage lengths and
workload choices (timings, and so the exact interleaving, still vary).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.chaos import checker as checking
from tests.chaos.infra import Kafka, Postgres
from tests.chaos.nemesis import KINDS, Nemesis, schedule
from tests.chaos.poison import read_dead_letters, send_poison
from tests.chaos.scraper import Scraper
from tests.chaos.system import manage, start_system
from tests.chaos.workload import Workload
from wanzo_common.ports import SERVICES

HERE = Path(__file__).resolve().parent
DRAIN_TIMEOUT = 240.0


@dataclass
class Report:
    seed: int
    faults: dict
    requests: dict
    results: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(result.ok for result in self.results)

    def violated(self) -> list[str]:
        return [result.name for result in self.results if not result.ok]


def soak(*, duration: float, seed: int, rate: float = 3.0, organizations: int = 3,
         min_each: int | None = None, kinds=KINDS, broken: bool = False, out=sys.stdout,
         keep: bool = False, workdir: Path | None = None) -> Report:  # fmt: skip
    began = time.monotonic()
    say = _printer(out)
    min_each = min_each if min_each is not None else (2 if duration >= 300 else 1)
    faults = schedule(seed, duration=duration, min_each=min_each, kinds=kinds)
    say(f"chaos: seed {seed}, {duration:.0f} s, {rate:g} actions/s, {len(faults)} faults "
        f"scheduled{' (BROKEN relay variant)' if broken else ''}")  # fmt: skip
    tmp = Path(workdir or tempfile.mkdtemp(prefix=f"chaos-{seed}-"))
    tmp.mkdir(parents=True, exist_ok=True)
    tmp.chmod(0o755)  # PostgreSQL runs as its own user below it
    pg_port = int(os.environ.get("CHAOS_PG_PORT", "19896"))
    kafka_port = int(os.environ.get("CHAOS_KAFKA_PORT", "19892"))
    controller = int(os.environ.get("CHAOS_KAFKA_CONTROLLER_PORT", str(kafka_port + 2)))
    postgres = Postgres(tmp / "pg", pg_port)
    kafka = Kafka(tmp / "kafka", kafka_port, controller)
    system = None
    try:
        postgres.init()
        postgres.start()
        postgres.create_databases([f"chaos_{service}" for service in SERVICES])
        kafka.start()
        say(f"chaos: PostgreSQL on {pg_port}, Kafka on {kafka_port}; starting the services")
        extra = {"PYTHONPATH": str(HERE / "broken")} if broken else {}
        system = start_system(tmp, database_url=postgres.url("chaos_{service}"),
                              kafka=kafka.address, extra_env=extra)  # fmt: skip
        report = _run(system, postgres, kafka, faults=faults, seed=seed, duration=duration,
                      rate=rate, organizations=organizations, say=say, out=out)  # fmt: skip
    finally:
        if system is not None:
            system.shutdown()
        kafka.stop()
        postgres.stop()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            say(f"chaos: kept {tmp}")
    report.seconds = time.monotonic() - began
    verdict = "all invariants held" if report.ok else "VIOLATED: " + "; ".join(report.violated())
    say(f"chaos: seed {seed}: {verdict} ({report.seconds:.0f} s in all)")
    return report


def _run(system, postgres, kafka, *, faults, seed, duration, rate, organizations, say, out):
    workload = Workload({s: system.url(s) for s in SERVICES}, seed=seed,
                        make_admin=lambda email, password: manage(
                            system, "auth", "create_internal_admin", "--email", email,
                            "--no-input", env={"WANZO_ADMIN_PASSWORD": password}))  # fmt: skip
    workload.setup(organizations)
    handled_types = {service: _handled_types(system, service) for service in SERVICES}
    scraper = Scraper(system)
    nemesis = Nemesis(system, postgres, kafka, faults=faults, gate=workload.api.gate,
                      scraper=scraper, out=out)  # fmt: skip
    poison: dict[str, str] = {}
    stop_poison = threading.Event()

    def poisoner() -> None:
        while True:
            if kafka.running and (pid := send_poison(kafka.address)):
                poison[pid] = "sent"
            if stop_poison.wait(15):
                return

    threads = [
        threading.Thread(target=f, daemon=True) for f in (scraper.run, nemesis.run, poisoner)
    ]
    for thread in threads:
        thread.start()
    say(f"chaos: load for {duration:.0f} s, and until the last fault is over")

    def stop_load() -> None:
        time.sleep(duration)
        nemesis.finished.wait()
        workload.stopping.set()

    threading.Thread(target=stop_load, daemon=True).start()
    workload.started = time.monotonic()
    workload.run(rate=rate, out=_Progress(out), duration=duration)
    stop_poison.set()
    threads[1].join()
    threads[2].join()
    say("chaos: load stopped; healing and draining")
    if not kafka.running:
        kafka.start()
    if not postgres.running():
        postgres.start()
    system.wait_healthy(SERVICES)
    drained = _drain(system, say)
    scraper.stopping.set()
    threads[0].join()
    with workload.api.gate:
        scraper.close_all()
    dlq = read_dead_letters(kafka.address)
    _save_history(system.log_path.parent / "history.jsonl", workload.api.history)
    urls = {s: system.env["DATABASE_URL"].replace("{service}", s) for s in SERVICES}
    check = checking.Checker(db_urls=urls, history=workload.api.history, poison=poison, dlq=dlq,
                             scraper=scraper, handled_types=handled_types)  # fmt: skip
    results = check.run()
    requests = {s: sum(1 for op in workload.api.history if op.service == s) for s in SERVICES}
    kinds = {}
    for op in workload.api.history:
        kinds[op.kind] = kinds.get(op.kind, 0) + 1
    report = Report(seed=seed, faults=dict(nemesis.done), requests={**requests, **kinds},
                    results=results)  # fmt: skip
    exits = ", ".join(f"{name} ({code})" for name, code in system.exits) or "none"
    say(f"chaos: drained in {drained:.0f} s; processes that exited and were restarted: {exits}")
    say("chaos: faults " + ", ".join(f"{k} {nemesis.done[k]}" for k in KINDS)
        + f" (total {sum(nemesis.done.values())})")  # fmt: skip
    say(f"chaos: requests {len(workload.api.history)}: " + ", ".join(
        f"{k} {v}" for k, v in report.requests.items()))  # fmt: skip
    for result in results:
        say(result.line())
    return report


HANDLED_TYPES = (
    "from wanzo_common.events.conf import app_settings\n"
    "from wanzo_common.events.registry import autodiscover, registry\n"
    "autodiscover()\n"
    "print('TYPES', *sorted(registry.types_for(group=app_settings.CONSUMER_GROUP_ID)))"
)


def _handled_types(system, service: str) -> set[str]:
    """The event types the service's consumer group handles, as its registry says."""
    output = manage(system, service, "shell", "-c", HANDLED_TYPES)
    line = next(line for line in output.splitlines() if line.startswith("TYPES"))
    return set(line.split()[1:])


def _save_history(path: Path, history) -> None:
    """Every request and its answer, one JSON line each (kept with ``--keep``)."""
    with path.open("w") as out:
        for op in history:
            out.write(json.dumps(dataclasses.asdict(op), default=str) + "\n")


def _drain(system, say) -> float:
    """Until every outbox is empty and no inbox grew for 10 s (or DRAIN_TIMEOUT)."""
    started = time.monotonic()
    urls = {s: system.env["DATABASE_URL"].replace("{service}", s) for s in SERVICES}
    last, stable_since = None, time.monotonic()
    while time.monotonic() - started < DRAIN_TIMEOUT:
        try:
            pending = sum(
                checking.query(
                    urls[s], "SELECT COUNT(*) FROM wanzo_events_outbox WHERE sent_at IS NULL"
                )[0][0]
                for s in SERVICES
            )
            inbox = tuple(checking.query(urls[s], "SELECT COUNT(*) FROM wanzo_events_inbox")[0][0]
                          for s in SERVICES)  # fmt: skip
        except Exception:  # noqa: BLE001  (the database is coming back)
            time.sleep(1)
            continue
        if inbox != last:
            last, stable_since = inbox, time.monotonic()
        if pending == 0 and time.monotonic() - stable_since >= 10:
            return time.monotonic() - started
        time.sleep(1)
    say("chaos: WARNING the system did not drain in time")
    return time.monotonic() - started


class _Progress:
    """The demo's progress line (rewritten every second with a carriage return) as a line
    every 10 s, so that logs stay readable beside the nemesis' lines."""

    def __init__(self, out) -> None:
        self.out, self.last = out, 0.0

    def write(self, text: str) -> int:
        if text.endswith("\r"):
            if time.monotonic() - self.last < 10:
                return len(text)
            self.last = time.monotonic()
            text = text[:-1] + "\n"
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


def _printer(out):
    def say(line: str) -> None:
        print(line, file=out, flush=True)

    return say
