#!/usr/bin/env bash
# Every static check of the monitoring stack; exits non-zero if any fails. Installs nothing: it
# needs promtool (Debian: prometheus), amtool (prometheus-alertmanager), docker-compose and the
# project's .venv (make venv). Run from anywhere: deploy/monitoring/check.sh
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
failed=()

run() {
    local label=$1; shift
    echo "=== $label"
    if "$@"; then echo "ok"; else echo "FAILED: $label"; failed+=("$label"); fi
}

cd "$HERE"
run "promtool check config prometheus.yml (docker-compose)" promtool check config prometheus.yml
"$PY" scrape_config.py --host 127.0.0.1 --alertmanager 127.0.0.1:9093 --output "$TMP/local.yml" \
    && run "promtool check config (make monitor, 127.0.0.1, with the rules)" \
        promtool check config "$TMP/local.yml" \
    || failed+=("render the make monitor config")
run "promtool check rules --lint=all --lint-fatal" \
    promtool check rules --lint=all --lint-fatal rules/*.yml
run "promtool test rules" promtool test rules tests/*.yml
run "amtool check-config" amtool check-config alertmanager.yml
run "docker-compose config -q" docker-compose -f docker-compose.yml config -q
run "promtool check config prometheus.containers.yml (the whole system in containers)" \
    promtool check config prometheus.containers.yml
run "prometheus.yml is fresh" "$PY" - <<'PYEOF'
import sys
sys.path.insert(0, ".")
import scrape_config
fresh = scrape_config.COMMITTED.read_text() == scrape_config.committed_text() and (
    scrape_config.CONTAINERS.read_text() == scrape_config.containers_text()
)
fresh or print("stale: run python deploy/monitoring/scrape_config.py --write")
sys.exit(0 if fresh else 1)
PYEOF
run "dashboards are fresh" "$PY" grafana/dashboards.py --check

echo
if [ ${#failed[@]} -eq 0 ]; then
    echo "monitoring checks: all passed"
else
    printf 'monitoring checks FAILED: %s\n' "${failed[@]}"
    exit 1
fi
