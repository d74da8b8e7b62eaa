#!/bin/sh
# The image and every role under podman (make container-smoke; .ci/run runs it after the suite).
#
#   KAFKA_BROKERS=127.0.0.1:9092 PGPASSWORD=... deploy/containers/smoke.sh
#
# 1. the base: PYTHON_IMAGE if given; else python:3.11.14-slim-bookworm when it can be pulled;
#    else the Debian-built one of base.sh (built once, then reused);
# 2. deploy/Dockerfile, built with --format docker (podman keeps HEALTHCHECK only in that format)
#    and --network host, with the machine's CA bundle as a build secret (CA_BUNDLE; never in an
#    image layer) for machines whose way to PyPI inspects TLS;
# 3. roles.py: every role against this machine's PostgreSQL, Redis and Kafka (see its docstring);
# 4. the image's size and the size of the layers above the base.
#
# Variables: WANZO_IMAGE (localhost/wanzo:smoke), PYTHON_IMAGE, CA_BUNDLE
# (/etc/ssl/certs/ca-certificates.crt when present), SMOKE_PORT_BASE (19500), SMOKE_DB_PREFIX
# (containers_smoke: databases <prefix>_<service>, made anew), SMOKE_PG (postgres@127.0.0.1:5432),
# SMOKE_REDIS_URL (redis://127.0.0.1:6379/5), KAFKA_BROKERS, PYTHON (.venv/bin/python).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
WANZO_IMAGE=${WANZO_IMAGE:-localhost/wanzo:smoke}
OFFICIAL=python:3.11.14-slim-bookworm
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
PYTHON=${PYTHON:-$root/.venv/bin/python}
export WANZO_IMAGE

took() { echo "smoke: $1 took $(($(date +%s) - $2)) s"; }

podman info >/dev/null || { echo "smoke: podman does not run" >&2; exit 1; }

start=$(date +%s)
if [ -z "${PYTHON_IMAGE:-}" ]; then
    if podman image exists "$OFFICIAL" || timeout 60 podman pull -q "$OFFICIAL" >/dev/null 2>&1; then
        PYTHON_IMAGE=$OFFICIAL
    else
        echo "smoke: $OFFICIAL cannot be pulled; the base is built from Debian's packages"
        PYTHON_IMAGE=$("$here/base.sh")
    fi
fi
took "base ($PYTHON_IMAGE)" "$start"

start=$(date +%s)
set -- --format docker --network host --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE"
[ -s "$CA_BUNDLE" ] && set -- "$@" --secret "id=ca_bundle,src=$CA_BUNDLE"
podman build "$@" -f deploy/Dockerfile -t "$WANZO_IMAGE" .
took "image build" "$start"

# Fresh databases for the roles (the host's PostgreSQL; PGPASSWORD from the environment).
start=$(date +%s)
pg_host=${SMOKE_PG:-postgres@127.0.0.1:5432}
user=${pg_host%@*} hostport=${pg_host#*@}
for service in admin accounting auth; do
    db="${SMOKE_DB_PREFIX:-containers_smoke}_$service"
    PGOPTIONS="-c client_min_messages=warning" psql -q -h "${hostport%:*}" -p "${hostport#*:}" -U "$user" -d postgres \
        -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
done
"$PYTHON" "$here/roles.py"
took "roles" "$start"

size() { podman image inspect --format '{{.Size}}' "$1"; }
layers() { podman image inspect --format '{{len .RootFS.Layers}}' "$1"; }
image_size=$(size "$WANZO_IMAGE") base_size=$(size "$PYTHON_IMAGE")
echo "smoke: image $WANZO_IMAGE: $((image_size / 1000000)) MB, $(layers "$WANZO_IMAGE") layers;" \
    "above the base ($PYTHON_IMAGE, $((base_size / 1000000)) MB, $(layers "$PYTHON_IMAGE") layers):" \
    "$(((image_size - base_size) / 1000000)) MB in $(($(layers "$WANZO_IMAGE") - $(layers "$PYTHON_IMAGE"))) layers"
