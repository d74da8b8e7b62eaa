#!/bin/sh
# The whole compose system under podman: deploy/docker-compose.yml with the monitoring file,
# docker-compose v1 against podman's Docker-compatible socket, the images that cannot be pulled
# swapped by docker-compose.local.yml (built by local-images.sh), Grafana left out. Then
# `manage_all.py demo` traffic, and compose_check.py: every container healthy, the eleven
# domain metrics moved, every Prometheus target up, every rule group evaluating.
#
#   deploy/containers/compose.sh          (after smoke.sh built WANZO_IMAGE; make container-compose)
#
# Variables: WANZO_IMAGE (localhost/wanzo:smoke), COMPOSE_PROJECT (wanzo-podman),
# PROMETHEUS_HOST_PORT (19590), ALERTMANAGER_HOST_PORT (19593), DEMO_DURATION (40), KEEP=1 leaves
# the system running. The apps publish 127.0.0.1:8001-8004 as the compose file says.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
deploy=$(dirname "$here")
root=$(dirname "$deploy")
WANZO_IMAGE=${WANZO_IMAGE:-localhost/wanzo:smoke}
project=${COMPOSE_PROJECT:-wanzo-podman}
PYTHON=${PYTHON:-$root/.venv/bin/python}
took() { echo "compose: $1 took $(($(date +%s) - $2)) s"; }

podman image exists "$WANZO_IMAGE" || { echo "compose: no $WANZO_IMAGE; run smoke.sh first" >&2; exit 1; }
start=$(date +%s)
"$here/local-images.sh"
took "local images" "$start"

work=$(mktemp -d "${TMPDIR:-/tmp}/wanzo-compose.XXXXXX")
sock=$work/podman.sock
service_pid='' ticker_pid=''
cleanup() {
    if [ -z "${KEEP:-}" ]; then
        compose down -v --remove-orphans >/dev/null 2>&1 || true
    fi
    for pid in $ticker_pid $service_pid; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# podman's Docker API for docker-compose.
podman system service --time=0 "unix://$sock" 2>"$work/podman-service.log" &
service_pid=$!
export DOCKER_HOST="unix://$sock"
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.2; done

# deploy/.env's way, in a throwaway copy: fresh secrets from make-env.sh, this run's image/ports.
cp "$deploy/make-env.sh" "$deploy/.env.example" "$work/"
PATH="$(dirname "$PYTHON"):$PATH" "$work/make-env.sh"
{
    echo "WANZO_IMAGE=$WANZO_IMAGE"
    echo "PROMETHEUS_PORT=${PROMETHEUS_HOST_PORT:-19590}"
    echo "ALERTMANAGER_PORT=${ALERTMANAGER_HOST_PORT:-19593}"
    echo "KAFKA_TOPIC_PARTITIONS=2"
    echo "CELERY_CONCURRENCY=1"
} >>"$work/.env"

compose() {
    docker-compose -p "$project" --env-file "$work/.env" -f "$deploy/monitoring/docker-compose.yml" \
        -f "$deploy/docker-compose.yml" -f "$here/docker-compose.local.yml" "$@"
}

# Without systemd, podman schedules no health checks: this loop is the timer it would start.
(
    while :; do
        for id in $(podman ps -q --filter health=starting --filter health=healthy \
            --filter health=unhealthy 2>/dev/null); do
            podman healthcheck run "$id" >/dev/null 2>&1 || true
        done
        sleep 3
    done
) &
ticker_pid=$!

start=$(date +%s)
services=$(compose config --services | grep -vx grafana | tr '\n' ' ')
# shellcheck disable=SC2086  # one word per service
compose up -d $services
took "compose up" "$start"

start=$(date +%s)
COMPOSE_PROJECT=$project PROMETHEUS_URL="http://127.0.0.1:${PROMETHEUS_HOST_PORT:-19590}" \
    DEMO_DURATION=${DEMO_DURATION:-40} "$PYTHON" "$here/compose_check.py"
took "demo and checks" "$start"
