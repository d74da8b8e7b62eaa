"""A Kafka-protocol dev broker: librdkafka's mock cluster, run as a process on loopback.

Apache Kafka cannot run on our development and CI machines; librdkafka ships an in-process mock
cluster that speaks the Kafka protocol (produce, fetch, consumer groups, offsets). Run alone,
it becomes a broker every other process reaches over TCP::

    python -m wanzo_common.events.devbroker [--brokers N]

prints its bootstrap address (``127.0.0.1:PORT``) as the first line of stdout, then serves until
SIGTERM or SIGINT. Limits: topics are created on first use with 4 partitions (the mock cluster
ignores CreateTopics), data lives in memory, and the port is chosen by the mock cluster.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from typing import IO


def start_cluster(*, brokers: int = 1):
    """Create the mock cluster in this process; return (its owner handle, bootstrap address)."""
    from confluent_kafka import Producer

    owner = Producer({"bootstrap.servers": "", "test.mock.num.brokers": brokers, "log_level": 3})
    metadata = owner.list_topics(timeout=10)
    address = ",".join(
        f"{broker.host}:{broker.port}" for broker in sorted(metadata.brokers.values(), key=str)
    )
    return owner, address


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wanzo_common.events.devbroker")
    parser.add_argument("--brokers", type=int, default=1, help="number of mock brokers")
    parser.add_argument(
        "--address-file", help="also write the address to this file (removed at exit)"
    )
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    owner, address = start_cluster(brokers=args.brokers)
    print(address, flush=True)
    if args.address_file:
        _write_atomically(args.address_file, address + "\n")
    try:
        while not stop.wait(1.0):
            owner.poll(0)
    finally:
        if args.address_file and os.path.exists(args.address_file):
            os.unlink(args.address_file)
    print("devbroker: stopped", file=sys.stderr, flush=True)
    return 0


def _write_atomically(path: str, text: str) -> None:
    """Readers polling for the file never see it half written."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def start_devbroker(*, brokers: int = 1, timeout: float = 30.0) -> tuple[subprocess.Popen, str]:
    """Start ``python -m wanzo_common.events.devbroker`` and return (process, address)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "wanzo_common.events.devbroker", "--brokers", str(brokers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    address = _first_line(process.stdout, timeout)
    if not address:
        stop_devbroker(process)
        raise RuntimeError("the dev broker did not print its address")
    return process, address


def _first_line(stream: IO[str] | None, timeout: float) -> str:
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(stream.readline().strip()), daemon=True)
    reader.start()
    reader.join(timeout)
    return found[0] if found else ""


def stop_devbroker(process: subprocess.Popen, *, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it does not exit in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


if __name__ == "__main__":
    raise SystemExit(main())
