"""The out-of-the-box Alertmanager receiver: prints one line per alert it is sent, and that's all.

Alertmanager posts webhook notifications here (``alertmanager.yml``); each alert becomes one line
on stdout, so ``docker-compose logs alert-logger`` or ``make monitor``'s terminal shows what
would have paged. Standard library only, so it runs in a bare Python image:

    python deploy/monitoring/alert_logger.py [--host 0.0.0.0] [--port 9095]
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def format_alert(alert: dict) -> str:
    labels = alert.get("labels", {})
    where = " ".join(
        f"{key}={value}"
        for key, value in sorted(labels.items())
        if key not in {"alertname", "severity"}
    )
    summary = alert.get("annotations", {}).get("summary", "")
    status = alert.get("status", "?").upper()
    return (
        f"{status} {labels.get('severity', '-')} {labels.get('alertname', '?')} {where} - {summary}"
    )


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            alerts = json.loads(body).get("alerts", [])
        except (ValueError, AttributeError):
            self.send_response(400)
            self.end_headers()
            return
        for alert in alerts:
            print(f"alert: {format_alert(alert)}", flush=True)
        self.send_response(200)
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"alert logger: POST Alertmanager webhooks here\n")

    def log_message(self, format: str, *args) -> None:  # one line per alert is enough
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9095)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    print(f"alert logger listening on http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
