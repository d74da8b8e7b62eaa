#!/bin/sh
# The entrypoint of Wanzo's one image: any service (SERVICE), any role (the first argument).
#
#   SERVICE=accounting entrypoint.sh web       gunicorn with deploy/gunicorn.conf.py
#   SERVICE=accounting entrypoint.sh worker    Celery worker hosting the Kafka consumer
#   SERVICE=accounting entrypoint.sh consumer  manage.py consume_events (standalone consumer)
#   SERVICE=accounting entrypoint.sh relay     manage.py relay_outbox
#   SERVICE=accounting entrypoint.sh beat      Celery beat
#   SERVICE=accounting entrypoint.sh migrate   manage.py migrate --noinput
#   SERVICE=accounting entrypoint.sh manage events tail user   any manage.py command
#   entrypoint.sh healthcheck                  the image's HEALTHCHECK (by the running role)
#   entrypoint.sh <anything else>              run as given (a shell, python -c ...)
#
# Arguments after the role go to the command (entrypoint.sh web --workers 8). Ports default to
# the service's row of wanzo_common/ports.py, exported so that gunicorn.conf.py (APP_PORT) and
# the healthcheck see the same values as the settings. Every long-running role is exec'd, so it
# is PID 1 of its container and receives SIGTERM itself (gunicorn, Celery, consume_events and
# relay_outbox all stop gracefully on it).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
APP_ROOT=$(dirname "$here")
ROLE_FILE=${WANZO_ROLE_FILE:-${TMPDIR:-/tmp}/wanzo-role}
ROLES="web worker consumer relay beat migrate manage healthcheck"

fail() {
    echo "entrypoint: $*" >&2
    exit 64
}

usage() {
    echo "usage: SERVICE=<$(services | tr ' ' '|')> entrypoint.sh <role> [args...]"
    echo "roles: $ROLES; anything else runs as given"
}

services() {
    for manage in "$APP_ROOT"/services/*/manage.py; do
        basename "$(dirname "$manage")"
    done | tr '\n' ' ' | sed 's/ $//'
}

require_service() {
    [ -n "${SERVICE:-}" ] || fail "SERVICE is not set (one of: $(services))"
    [ -f "$APP_ROOT/services/$SERVICE/manage.py" ] ||
        fail "unknown SERVICE '$SERVICE' (one of: $(services))"
    SERVICE_DIR="$APP_ROOT/services/$SERVICE"
    # The defaults of wanzo_common/ports.py, read from there so they are defined once.
    defaults=$(python -c 'import sys; from wanzo_common.ports import ports_of
p = ports_of(sys.argv[1]); print(p.app, p.metrics, p.celery, p.events)' "$SERVICE") ||
        fail "cannot read the ports of '$SERVICE' (is wanzo_common installed?)"
    # shellcheck disable=SC2086  # four numbers, split on purpose
    set -- $defaults
    export APP_PORT="${APP_PORT:-$1}"
    export PROMETHEUS_PORT="${PROMETHEUS_PORT:-$2}"
    export CELERY_PROMETHEUS_PORT="${CELERY_PROMETHEUS_PORT:-$3}"
    export EVENTS_PROMETHEUS_PORT="${EVENTS_PROMETHEUS_PORT:-$4}"
}

remember_role() {
    # For `entrypoint.sh healthcheck`, which Docker runs as a separate process.
    echo "$1" >"$ROLE_FILE" 2>/dev/null || true
}

healthcheck() {
    role=$(cat "$ROLE_FILE" 2>/dev/null || echo none)
    case "$role" in
    web) port=$APP_PORT path=/healthz ;;
    worker) port=$CELERY_PROMETHEUS_PORT path= ;;
    consumer) port=$EVENTS_PROMETHEUS_PORT path= ;;
    *) exit 0 ;; # relay, beat: no port; their supervisor restarts them when they exit
    esac
    # web: /healthz answers 200. Django checks the Host header against DJANGO_ALLOWED_HOSTS
    # before any view, so the check sends HEALTHCHECK_HOST (localhost), which must be allowed.
    # worker, consumer: the metrics exporter of the process's main thread accepts connections.
    exec python - "$port" "$path" "${HEALTHCHECK_HOST:-localhost}" <<'EOF'
import socket, sys, urllib.request
port, path, host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    if path:
        url = f"http://127.0.0.1:{port}{path}"
        urllib.request.urlopen(urllib.request.Request(url, headers={"Host": host}), timeout=4)
    else:
        socket.create_connection(("127.0.0.1", port), timeout=4).close()
except Exception as exc:
    sys.exit(f"unhealthy: port {port}{path}: {exc}")
EOF
}

role=${1:-}
[ $# -gt 0 ] && shift

case "$role" in
"" | help | -h | --help)
    usage
    exit 0
    ;;
web | worker | consumer | relay | beat | migrate | manage | healthcheck)
    require_service
    cd "$SERVICE_DIR"
    ;;
*)
    exec "$role" "$@"
    ;;
esac

case "$role" in
web)
    remember_role web
    # Worker heartbeats on tmpfs: an overlay or network /tmp can stall them into timeouts.
    tmp_dir=/dev/shm
    [ -w "$tmp_dir" ] || tmp_dir=${TMPDIR:-/tmp}
    exec gunicorn -c "$APP_ROOT/deploy/gunicorn.conf.py" --chdir "$SERVICE_DIR" \
        --worker-tmp-dir "$tmp_dir" "$@" "${SERVICE}_service.wsgi:application"
    ;;
worker)
    remember_role worker
    export EVENTS_CELERY_CONSUMER="${EVENTS_CELERY_CONSUMER:-true}"
    # Celery's default concurrency is the host's CPU count, not the container's limit.
    set -- --loglevel "${CELERY_LOG_LEVEL:-INFO}" ${CELERY_CONCURRENCY:+--concurrency "$CELERY_CONCURRENCY"} "$@"
    exec celery -A "${SERVICE}_service" worker "$@"
    ;;
consumer)
    remember_role consumer
    exec python manage.py consume_events --metrics-port "$EVENTS_PROMETHEUS_PORT" "$@"
    ;;
relay)
    remember_role relay
    exec python manage.py relay_outbox "$@"
    ;;
beat)
    remember_role beat
    exec celery -A "${SERVICE}_service" beat --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
        --schedule "${CELERY_BEAT_SCHEDULE_FILE:-${TMPDIR:-/tmp}/celerybeat-schedule}" "$@"
    ;;
migrate)
    exec python manage.py migrate --noinput "$@"
    ;;
manage)
    exec python manage.py "$@"
    ;;
healthcheck)
    healthcheck
    ;;
esac
