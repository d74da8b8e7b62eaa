#!/bin/bash
# The compose file's Kafka health check (kafka-broker-api-versions.sh --bootstrap-server H:P):
# here, the broker's port accepts a connection.
server=localhost:9092
while [ $# -gt 0 ]; do
    case "$1" in --bootstrap-server) server=$2; shift ;; esac
    shift
done
exec 3<>"/dev/tcp/${server%:*}/${server##*:}"
