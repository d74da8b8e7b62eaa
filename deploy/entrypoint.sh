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
p = ports_of(sys.argv[1]); print(p.app, p.metrics, p.celery, p.events, p.relay)' "$SERVICE") ||
        fail "cannot read the ports of '$SERVICE' (is wanzo_common installed?)"
    # shellcheck disable=SC2086  # five numbers, split on purpose
    set -- $defaults
    export APP_PORT="${APP_PORT:-$1}"
    export PROMETHEUS_PORT="${PROMETHEUS_PORT:-$2}"
    export CELERY_PROMETHEUS_PORT="${CELERY_PROMETHEUS_PORT:-$3}"
    export EVENTS_PROMETHEUS_PORT="${EVENTS_PROMETHEUS_PORT:-$4}"
    export RELAY_PROMETHEUS_PORT="${RELAY_PROMETHEUS_PORT:-$5}"
}

remember_role() {
    # For `entrypoint.sh healthcheck`, which Docker runs as a separate process.
    echo "$1" >"$ROLE_FILE" 2>/dev/null || true
}

healthcheck() {
    role=$(cat "$ROLE_FILE" 2>/dev/null || echo none)
    case "$role" in
    web) ;;
    # Progress, not an open port: a consumer stuck in a handler or a relay hung in a send keeps
    # its port open (ADR 0018); beat: the age of its schedule file.
    worker | consumer | relay | beat) exec python -m wanzo_common.events.liveness "$role" ;;
    *) exit 0 ;; # migrate, manage: one-off
    esac
    # web: /healthz answers 200. Django checks the Host header against DJANGO_ALLOWED_HOSTS
    # before any view, so the check sends HEALTHCHECK_HOST (localhost), which must be allowed.
    exec python - "$APP_PORT" "${HEALTHCHECK_HOST:-localhost}" <<'EOF'
import sys, urllib.request
port, host = int(sys.argv[1]), sys.argv[2]
try:
    url = f"http://127.0.0.1:{port}/healthz"
    urllib.request.urlopen(urllib.request.Request(url, headers={"Host": host}), timeout=4)
except Exception as exc:
    sys.exit(f"unhealthy: port {port}/healthz: {exc}")
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
    exec python manage.py relay_outbox --metrics-port "$RELAY_PROMETHEUS_PORT" "$@"
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
