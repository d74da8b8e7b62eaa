"""The development launcher behind ``manage_all.py``: every service at once, on one machine.

One module per concern: :mod:`.cli` (arguments), :mod:`.envfile` (``.env`` creation),
:mod:`.portcheck` (ports resolved and checked before anything starts), :mod:`.supervisor`
(processes: prefixed output, deaths, an orderly stop), :mod:`.readiness` (probes polled between
start-up stages), :mod:`.topology` (which processes: broker, servers, consumers, relays) and
:mod:`.run` (the command and ``up`` built from them). ADR 0009 says why it lives here and why
it supervises processes itself rather than through honcho.

The launcher serves the checkout it is given (``root``, the directory of ``manage_all.py``),
not the one this package was imported from, so a copy of the repository runs its own services.
"""

from __future__ import annotations

import sys
from pathlib import Path

from wanzo_common.devserver.cli import USAGE, UsageError, parse_args
from wanzo_common.devserver.run import run_command, up

__all__ = ["USAGE", "main"]


def main(argv: list[str] | None = None, *, root: Path) -> int:
    """Run ``manage_all.py`` with ``argv`` (default: the command line) in the checkout ``root``."""
    try:
        opts = parse_args(sys.argv[1:] if argv is None else argv)
        if opts.command == "demo":
            from wanzo_common.devserver.demo import demo

            return demo(opts, root=root)
        return up(opts, root=root) if opts.command == "up" else run_command(opts, root=root)
    except UsageError as exc:
        print(f"manage_all.py: error: {exc}", file=sys.stderr)
        return 2
