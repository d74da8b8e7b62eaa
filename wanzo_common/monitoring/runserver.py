"""Starts the exporter under ``manage.py runserver``, once, in the process that serves.

The autoreloader runs the command twice: a parent that only watches files and a child
(``RUN_MAIN=true``) that serves. Binding in the parent would hold the port across reloads, so
only the serving process binds. Other commands (migrate, shell, test) bind nothing.
"""

from __future__ import annotations

import os
import sys

_server = None


def is_serving_process(argv: list[str] | None = None, environ=None) -> bool:
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    if len(argv) < 2 or argv[1] != "runserver":
        return False
    return environ.get("RUN_MAIN") == "true" or "--noreload" in argv


def start_if_serving() -> None:
    global _server
    if _server is None and is_serving_process():
        from wanzo_common.monitoring.exporter import start_exporter

        _server = start_exporter(setting="PORT")
