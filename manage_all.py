#!/usr/bin/env python
"""Run a manage.py command in every Wanzo service, or bring all the services up.

    python manage_all.py <manage.py command> [args ...] [--only auth,admin] [--sequential]
    python manage_all.py up [--only ...] [--server runserver|gunicorn] [--workers N]
                            [--no-migrate] [--no-events] [--ready-timeout SECONDS]

``python manage_all.py --help`` tells more. The work is done by ``wanzo_common.devserver``; run
this with the project's interpreter (``.venv/bin/python``, as ``make up`` does).
"""

import sys
from pathlib import Path

from wanzo_common.devserver import main

if __name__ == "__main__":
    sys.exit(main(root=Path(__file__).resolve().parent))
