#!/bin/sh
# The images compose needs that cannot be pulled here, built from Debian's packages (and, for
# Kafka, deploy/kafka's jars from Maven Central) on base.sh's Debian rootfs. Each is built once
# and again only when its inputs change (a label holds their hash); FORCE=1 rebuilds.
# docker-compose.local.yml names them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
deploy=$(dirname "$here")
"$here/base.sh" >/dev/null # the rootfs (and the Python base, alert-logger's image)
[ -f "$deploy/kafka/lib/.resolved" ] || "$deploy/kafka/start.sh" --build
for name in kafka postgres redis prometheus alertmanager; do
    image=localhost/wanzo-$name:local
    context=$here/images
    [ "$name" = kafka ] && context=$deploy
    inputs=$(cd "$here/images" && { cat "$name.Containerfile" "$name"-*.sh 2>/dev/null
        [ "$name" = kafka ] && ls "$deploy/kafka/lib"; } | sha256sum | cut -c1-16)
    built=$(podman image inspect --format '{{index .Labels "wanzo.inputs"}}' "$image" 2>/dev/null || true)
    if [ -z "${FORCE:-}" ] && [ "$built" = "$inputs" ]; then continue; fi
    echo "local-images: $image" >&2
    podman build --network host -q --label "wanzo.inputs=$inputs" -t "$image" \
        -f "$here/images/$name.Containerfile" "$context" >/dev/null
done
