#!/usr/bin/env bash
# `make monitor`: Debian's Prometheus and Alertmanager (packages prometheus,
# prometheus-alertmanager) on loopback, with the project's rules, scraping the services `make up`
# runs on 127.0.0.1, data in a temporary directory removed on exit. Runs in the foreground until
# Ctrl-C. No Docker needed; Grafana is in docker-compose.yml only.
#
#   MONITOR_ROLES=web,worker,relay  roles to scrape (web,consumer,relay for `up --consumers commands`)
#   MONITOR_PROMETHEUS_PORT=9090  MONITOR_ALERTMANAGER_PORT=9093  MONITOR_ALERT_LOGGER_PORT=9095
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
ROLES="${MONITOR_ROLES:-web,worker,relay}"
PROM_PORT="${MONITOR_PROMETHEUS_PORT:-9090}"
AM_PORT="${MONITOR_ALERTMANAGER_PORT:-9093}"
LOGGER_PORT="${MONITOR_ALERT_LOGGER_PORT:-9095}"

# Debian names the Alertmanager binary prometheus-alertmanager; upstream's is alertmanager.
ALERTMANAGER="$(command -v prometheus-alertmanager || command -v alertmanager || true)"
if ! command -v prometheus >/dev/null || [ -z "$ALERTMANAGER" ]; then
    echo "monitor: needs prometheus and alertmanager: apt-get install prometheus prometheus-alertmanager" >&2
    exit 2
fi

DATA="$(mktemp -d -t wanzo-monitor.XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    # Alertmanager writes its state on the way out: remove the data only once all have exited.
    for _ in $(seq 100); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

"$PY" "$HERE/scrape_config.py" --host 127.0.0.1 --roles "$ROLES" \
    --alertmanager "127.0.0.1:$AM_PORT" --prometheus "127.0.0.1:$PROM_PORT" \
    --rules "$HERE/rules/*.yml" --output "$DATA/prometheus.yml"
sed "s#http://alert-logger:9095/#http://127.0.0.1:$LOGGER_PORT/#" "$HERE/alertmanager.yml" \
    > "$DATA/alertmanager.yml"

"$PY" "$HERE/alert_logger.py" --port "$LOGGER_PORT" &
pids+=($!)
"$ALERTMANAGER" --config.file="$DATA/alertmanager.yml" --storage.path="$DATA/alertmanager" \
    --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= \
    --log.level=warn &
pids+=($!)
prometheus --config.file="$DATA/prometheus.yml" --storage.tsdb.path="$DATA/prometheus" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn &
pids+=($!)

cat <<INFO
monitor: scraping roles $ROLES of every service on 127.0.0.1 (data in $DATA)
  Prometheus    http://127.0.0.1:$PROM_PORT  (targets: /targets, alert rules: /alerts)
  Alertmanager  http://127.0.0.1:$AM_PORT
  alerts are logged here by the alert logger (127.0.0.1:$LOGGER_PORT); Ctrl-C stops everything
INFO
wait -n "${pids[@]}"
echo "monitor: a process exited; stopping" >&2
exit 1
