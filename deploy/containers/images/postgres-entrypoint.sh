#!/bin/sh
# The official postgres image's contract, in short: on an empty PGDATA, initdb with
# POSTGRES_USER (its password POSTGRES_PASSWORD, SCRAM) and create POSTGRES_DB; then serve on
# every address. Any command other than `postgres` runs as given.
set -eu
if [ "${1:-postgres}" != postgres ]; then exec "$@"; fi
user=${POSTGRES_USER:-postgres}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile=$(mktemp)
    printf '%s' "${POSTGRES_PASSWORD:?}" >"$pwfile"
    initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-host=scram-sha-256 \
        --auth-local=trust >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    db=${POSTGRES_DB:-$user}
    if [ "$db" != postgres ]; then
        echo "CREATE DATABASE \"$db\";" | postgres --single -D "$PGDATA" postgres >/dev/null
    fi
fi
shift
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
