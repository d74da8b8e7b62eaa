"""The supervisor, on small Python processes: prefixed output, deaths, an orderly stop."""

from __future__ import annotations

import signal

from wanzo_common.devserver.supervisor import StopSignal, Supervisor, run_batch

from .helpers import python_spec, wait_for


def test_run_batch_prefixes_output_and_fails_if_any_fails(tmp_path, capsys):
    specs = [
        python_spec("good", "print('hello')", tmp_path),
        python_spec("bad", "import sys; print('oops'); sys.exit(3)", tmp_path),
    ]
    status, table = run_batch(specs, StopSignal())
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


def test_infrastructure_stops_after_the_processes_using_it(tmp_path):
    """The broker outlives its consumers, so they can commit offsets and leave their group."""
    order = tmp_path / "order"
    record = (
        "import signal, sys, time\n"
        "def bye(*_):\n"
        f"    open({str(order)!r}, 'a').write(sys.argv[1] + '\\n'); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\n"
        f"open({str(order)!r}, 'a').write('up\\n')\n"
        "time.sleep(60)\n"
    )
    broker = python_spec("broker", record, tmp_path)
    broker.argv.append("broker")
    broker.stop_last = True
    consumer = python_spec("consumer", record, tmp_path)
    consumer.argv.append("consumer")
    supervisor = Supervisor(StopSignal())
    supervisor.start_all([broker, consumer])
    wait_for(lambda: order.exists() and order.read_text().count("up") == 2, "both to start")
    assert supervisor.stop() == []
    assert order.read_text().split()[2:] == ["consumer", "broker"]
