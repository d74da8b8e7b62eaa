"""When is a started process ready: HTTP probes, polled until all pass or something dies.

``up`` starts in stages and each stage waits here: the broker before the services (their
environment carries its address), the services before the URL table and the announcements.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from wanzo_common.devserver.supervisor import ProcessSpec, Supervisor


def http_ok(url: str, *, any_status: bool = False) -> bool:
    """True when ``url`` answers 2xx (or anything, with ``any_status``); never via a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=1) as response:
            return 200 <= response.status < 300 or any_status
    except urllib.error.HTTPError:
        return any_status
    except (OSError, ValueError):
        return False


def wait_ready(supervisor: Supervisor, specs: list[ProcessSpec], timeout: float) -> str | None:
    """Poll the specs' readiness probes; return why they are not ready, or None."""
    deadline = time.monotonic() + timeout
    pending = [spec for spec in specs if spec.ready is not None]
    while pending:
        if supervisor.stop_signal.requested.is_set():
            return "stopped before everything was ready"
        if dead := supervisor.exited():
            return f"{dead[0].spec.name} exited with code {dead[0].proc.returncode}"
        pending = [spec for spec in pending if not spec.ready()]
        if pending and time.monotonic() > deadline:
            names = ", ".join(spec.name for spec in pending)
            return f"not ready after {timeout:g}s: {names}"
        supervisor.stop_signal.requested.wait(0.25 if pending else 0)
    return None
