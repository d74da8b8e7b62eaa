"""Runs processes side by side: prefixed output, deaths noticed, an orderly stop.

Why not honcho (or another Procfile runner): see docs/decisions/0009-devserver-launcher.md.
In short, ``up`` starts its processes in stages (the broker, then the services once the broker
answers) and stops them in reverse, the broker last so consumers can commit their offsets; a
Procfile runner starts everything at once and signals everything at once.

Each child leads its own session, so the terminal's Ctrl-C reaches only us and we stop the
children in one orderly way: SIGTERM (or the signal we got) to every process group (a gunicorn
master and its workers alike), SIGKILL to what is left after the grace period.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Seconds between SIGTERM and SIGKILL (a second Ctrl-C cuts it short). A Celery worker's warm
# shutdown (its consumer leaves the group, its pool drains) took 8 s for the four services on a
# loaded 2-CPU machine (bench/make_up.py); compose gives a worker 45 s.
STOP_GRACE = 30.0
LABEL = "manage_all"  # the prefix of our own lines


@dataclass
class ProcessSpec:
    """One process to run: a one-off command, or a long-running part of a service."""

    name: str  # output prefix: the service, or "<service>.<role>" for its other processes
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    ready: Callable[[], bool] | None = None  # for `up`: True once the process serves
    stop_last: bool = False  # infrastructure (the broker): stopped after everything using it
    # Stop signal to the leader only, as Docker signals PID 1: a Celery worker's main process
    # stops its pool itself; signalling the pool children too leaves it waiting past the grace.
    signal_leader: bool = False


@dataclass
class Running:
    spec: ProcessSpec
    proc: subprocess.Popen
    started: float
    reader: threading.Thread
    ended: float | None = None

    @property
    def duration(self) -> float:
        return (self.ended or time.monotonic()) - self.started


class StopSignal:
    """Ctrl-C / SIGTERM: the first asks for a clean stop, the second cuts the grace period."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.forced = threading.Event()
        self.signum = signal.SIGTERM  # the one received, for children that should get the same

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested.is_set():
            self.forced.set()
        self.signum = signal.Signals(signum)
        self.requested.set()


class Supervisor:
    """Starts processes, prefixes their output, notices deaths and stops them all."""

    def __init__(self, stop: StopSignal, *, grace: float = STOP_GRACE, out=None) -> None:
        self.stop_signal = stop
        self.grace = grace
        self.out = out or sys.stdout
        self.running: list[Running] = []
        self.width = len(LABEL)
        self._lock = threading.Lock()

    def emit(self, name: str, line: str) -> None:
        with self._lock:
            print(f"{name:<{self.width}} | {line}", file=self.out, flush=True)

    def say(self, text: str) -> None:
        for line in text.splitlines() or [""]:
            self.emit(LABEL, line)

    def start_all(self, specs: list[ProcessSpec]) -> None:
        self.width = max([self.width, *(len(spec.name) for spec in specs)])
        for spec in specs:
            self.start(spec)

    def start(self, spec: ProcessSpec) -> Running:
        proc = subprocess.Popen(
            spec.argv,
            cwd=spec.cwd,
            env=spec.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            text=True,
            errors="replace",
            bufsize=1,
        )
        reader = threading.Thread(target=self._pump, args=(spec.name, proc), daemon=True)
        reader.start()
        running = Running(spec, proc, time.monotonic(), reader)
        self.running.append(running)
        return running

    def _pump(self, name: str, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self.emit(name, line.rstrip("\n"))

    def exited(self) -> list[Running]:
        for item in self.running:
            if item.ended is None and item.proc.poll() is not None:
                item.ended = time.monotonic()
        return [item for item in self.running if item.ended is not None]

    def wait_all(self) -> bool:
        """Wait until every process has exited (True) or a stop was asked for (False)."""
        while len(self.exited()) < len(self.running):
            if self.stop_signal.requested.wait(0.05):
                return False
        self.drain()
        return True

    def watch(self) -> Running | None:
        """Block while everything runs; return the first process that died, None on a stop."""
        while not self.stop_signal.requested.wait(0.2):
            if dead := self.exited():
                return dead[0]
        return None

    def stop(self, signum: int = signal.SIGTERM) -> list[str]:
        """Stop every process (last started first, infrastructure after the processes using
        it, so consumers can commit and leave their group); return those needing SIGKILL."""
        deadline = time.monotonic() + self.grace
        for phase in (False, True):
            items = [item for item in reversed(self.running) if item.spec.stop_last is phase]
            for item in items:
                if item.proc.poll() is None:
                    if item.spec.signal_leader:
                        item.proc.send_signal(signum)
                    else:
                        _signal_group(item.proc, signum)
            while any(item.proc.poll() is None for item in items) and time.monotonic() < deadline:
                if self.stop_signal.forced.wait(0.1):
                    break
        killed = [item.spec.name for item in self.running if item.proc.poll() is None]
        for item in self.running:
            _signal_group(item.proc, signal.SIGKILL)  # also any straggler of an exited leader
            item.proc.wait()
        self.exited()
        self.drain()
        return killed

    def drain(self) -> None:
        for item in self.running:
            item.reader.join(timeout=2)


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _result(code: int | None) -> str:
    if code is None or code >= 0:
        return {None: "running", 0: "ok"}.get(code, "FAILED")
    try:  # killed by a signal: ours on a stop, or a crash
        return signal.Signals(-code).name
    except ValueError:
        return "signal"


def format_results(items: list[Running]) -> str:
    width = max([len("service"), *(len(item.spec.name) for item in items)])
    lines = [f"{'service':<{width}}  result   exit  duration"]
    for item in items:
        code = item.proc.returncode
        result = _result(code)
        shown = "-" if code is None else str(code)
        lines.append(f"{item.spec.name:<{width}}  {result:<7} {shown:>5}  {item.duration:7.1f}s")
    return "\n".join(lines)


def run_batch(specs: list[ProcessSpec], stop: StopSignal) -> tuple[int, str]:
    """Run one-off processes in parallel; return the exit status and the results table."""
    supervisor = Supervisor(stop)
    supervisor.start_all(specs)
    if not supervisor.wait_all():
        # Ctrl-C reaches the children as it would without us: SIGINT lets `manage.py test`
        # tear its test databases down.
        supervisor.stop(stop.signum)
        return 130, format_results(supervisor.running)
    failed = any(item.proc.returncode != 0 for item in supervisor.running)
    return int(failed), format_results(supervisor.running)


def run_sequential(specs: list[ProcessSpec]) -> int:
    """One after the other, attached to the terminal, for interactive commands."""
    status = 0
    for spec in specs:
        print(f"== {spec.name}", flush=True)
        try:
            code = subprocess.run(spec.argv, cwd=spec.cwd, env=spec.env).returncode
        except KeyboardInterrupt:
            return 130
        print(f"== {spec.name}: exit code {code}", flush=True)
        status = status or int(code != 0)
    return status
