"""The steady publisher of ``events_consume.py``'s latency section, run as its own process.

    python bench/_events_latency_producer.py RATE SECONDS

Publishes ``user.created`` with ``publish(..., immediate=True)`` at RATE events per second for
SECONDS, each payload's ``timestamp`` being the moment it was published (microseconds), on an
absolute schedule (no drift when one send is late), after a flushed warm-up. A process of its own so that it does not
share the consumer's interpreter lock. Configured by the bench's environment variables; prints
one line: events sent and the rate achieved.
"""

from __future__ import annotations

import sys
import time


def main(rate: float, seconds: float) -> None:
    import django

    django.setup()
    import _events_common as common

    from wanzo_common.events.publisher import publish
    from wanzo_common.events.transports import get_transport, reset_transports

    transport = get_transport()
    # A fresh idempotent producer needs metadata and a producer id before its first send:
    # warm it up (the consumer ignores "warm" subjects) so the stream measures steady state.
    for index in range(20):
        publish("user.created", common.user_created(index, run="warm-p"), immediate=True)
    transport.flush(10)
    interval, total = 1.0 / rate, int(rate * seconds)
    start = time.perf_counter()
    for index in range(total):
        delay = start + index * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        publish("user.created", common.user_created(index, run="lat-"), immediate=True)
    elapsed = time.perf_counter() - start
    reset_transports()  # flush while the broker is up
    print(f"sent {total} {total / elapsed:.1f}", flush=True)


if __name__ == "__main__":
    main(float(sys.argv[1]), float(sys.argv[2]))
