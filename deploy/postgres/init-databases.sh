#!/bin/sh
# Run once by the postgres image, when its data volume is empty (/docker-entrypoint-initdb.d/):
# one database per service, owned by the application role. The services' DATABASE_URL names
# wanzo_{service}; see deploy/docker-compose.yml.
set -eu
for service in ${WANZO_DATABASES:-admin accounting app_mobile auth}; do
    echo "creating database wanzo_$service"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
        -c "CREATE DATABASE \"wanzo_$service\" OWNER \"$POSTGRES_USER\""
done
