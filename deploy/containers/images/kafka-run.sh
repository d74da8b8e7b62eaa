#!/bin/bash
# KAFKA_* variables -> server.properties (apache/kafka's convention), format on first start, run.
set -euo pipefail
config=/tmp/server.properties
: >"$config"
while IFS='=' read -r name value; do
    case "$name" in
    KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_JVM_PERFORMANCE_OPTS) ;;
    KAFKA_*)
        key=${name#KAFKA_}
        key=${key,,}
        echo "${key//_/.}=$value" >>"$config"
        ;;
    esac
done < <(env)
libs='/opt/kafka/libs/*'
read -ra heap <<<"${KAFKA_HEAP_OPTS:--Xmx512m}" # several words
jvm=(java "${heap[@]}" -Djava.awt.headless=true
    -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties -Dkafka.logs.dir=/tmp -cp "$libs")
logs=$(sed -n 's/^log\.dirs=//p' "$config")
if [ ! -f "${logs:-/var/lib/kafka/data}/meta.properties" ]; then
    "${jvm[@]}" kafka.tools.StorageTool format -t "${CLUSTER_ID:?}" -c "$config" >/dev/null
fi
exec "${jvm[@]}" kafka.Kafka "$config"
