"""gunicorn configuration shipped with every service.

    gunicorn -c deploy/gunicorn.conf.py --chdir services/accounting accounting_service.wsgi

Workers write metrics to a per-server multiprocess directory; the master serves them all on
PROMETHEUS_PORT (see wanzo_common/monitoring/gunicorn.py). Everything here can be overridden
on the command line or with GUNICORN_CMD_ARGS.
"""

from wanzo_common.env import Env
from wanzo_common.monitoring.gunicorn import child_exit, on_exit, on_starting, when_ready

_env = Env()  # the process environment, read as the services' settings read it
bind = _env.str("GUNICORN_BIND", f"0.0.0.0:{_env.str('APP_PORT', '8000')}")
workers = int(_env.int("GUNICORN_WORKERS", 4))
worker_class = "sync"
max_requests = int(_env.int("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = int(_env.int("GUNICORN_MAX_REQUESTS_JITTER", 200))
timeout = int(_env.int("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
# gunicorn's control socket defaults to one path per user, shared by every server on the host
# (several services, test runs): off unless a path is given.
control_socket = _env.str("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
accesslog = "-"
# Access log without the query string (it may carry personal data), with the request id.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'

__all__ = ["child_exit", "on_exit", "on_starting", "when_ready"]
