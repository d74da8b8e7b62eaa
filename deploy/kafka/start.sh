#!/usr/bin/env bash
# Run one real Apache Kafka node (KRaft, broker + controller) in the foreground, from Maven Central
# jars: no Docker, no tarball. Prints one line when the broker accepts clients; Ctrl-C or SIGTERM
# stops it cleanly. Used by `make kafka`, by .ci/run and by the tests that restart a broker.
#
#   deploy/kafka/start.sh            resolve the jars if needed, format storage, run
#   deploy/kafka/start.sh --build    only resolve the jars into deploy/kafka/lib
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9094; 9093 is Alertmanager's, for make monitor), KAFKA_HOST (127.0.0.1),
# KAFKA_DATA_DIR (default: a throwaway directory removed at exit; a directory you name is kept,
# and a restart on it keeps the topics and offsets), KAFKA_HEAP_OPTS (-Xms256m -Xmx1g), JAVA_HOME.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lib=$here/lib
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
host=${KAFKA_HOST:-127.0.0.1}
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9094}

build() {  # the jars, resolved again whenever pom.xml changes
    if [ ! -f "$lib/.resolved" ] || [ "$here/pom.xml" -nt "$lib/.resolved" ]; then
        echo "kafka: resolving the broker's jars with Maven (once; cached in ~/.m2)" >&2
        rm -rf "$lib"
        # Maven's output only when it fails (Debian's Maven prints colour codes even with -q).
        if ! output=$(mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies 2>&1); then
            echo "$output" >&2
            exit 1
        fi
        touch "$lib/.resolved"
    fi
}

build
if [ "${1:-}" = --build ]; then exit 0; fi

version=$(basename "$lib"/kafka_2.13-*.jar .jar)
version=${version#kafka_2.13-}
if [ -n "${KAFKA_DATA_DIR:-}" ]; then
    data=$KAFKA_DATA_DIR
    mkdir -p "$data"
    throwaway=
else
    data=$(mktemp -d "${TMPDIR:-/tmp}/wanzo-kafka.XXXXXX")
    throwaway=1
fi

# The effective configuration of this run: the committed properties, then this run's addresses.
config=$data/server.properties
{
    cat "$here/server.properties"
    echo "listeners=PLAINTEXT://$host:$port,CONTROLLER://$host:$controller_port"
    echo "advertised.listeners=PLAINTEXT://$host:$port"
    echo "controller.quorum.voters=1@$host:$controller_port"
    echo "log.dirs=$data/logs"
} >"$config"

jvm=(
    "$java" ${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$here/log4j2.properties" "-Dkafka.logs.dir=$data"
    -cp "$lib/*"
)
started=$(date +%s.%N)
if [ ! -f "$data/logs/meta.properties" ]; then
    cluster_id=$("${jvm[@]}" kafka.tools.StorageTool random-uuid)
    "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$config" >/dev/null
fi

: >>"$data/server.log"
marker=$(wc -l <"$data/server.log")
"${jvm[@]}" kafka.Kafka "$config" &
broker=$!

stop() {
    trap - INT TERM
    if kill -0 "$broker" 2>/dev/null; then
        kill -TERM "$broker" 2>/dev/null || true
        wait "$broker" 2>/dev/null || true
    fi
    if [ -n "$throwaway" ]; then rm -rf "$data"; fi
    echo "kafka: stopped" >&2
}
trap 'stop; exit 0' INT TERM

# Ready when the broker logs that it started, and its port answers.
until tail -n +"$((marker + 1))" "$data/server.log" | grep -q "Kafka Server started" \
        && (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
    if ! kill -0 "$broker" 2>/dev/null; then
        echo "kafka: the broker exited during start-up; see $data/server.log" >&2
        tail -n 20 "$data/server.log" >&2
        stop
        exit 1
    fi
    sleep 0.2
done
took=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $started }")
echo "kafka: Apache Kafka $version ready on $host:$port (KRaft, started in ${took} s, data in $data)"

set +e
wait "$broker"
code=$?
if [ -n "$throwaway" ]; then rm -rf "$data"; fi
exit $code
