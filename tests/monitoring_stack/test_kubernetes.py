"""The cluster's monitoring, Kafka and scaling manifests: generated files fresh, custom resources
valid against the operators' CRD schemas (deploy/kubernetes/crds), and the figures that must
agree (partitions, ACLs, labels) agreeing. deploy/check.sh renders the kustomizations and runs
the same validation on the result."""

from __future__ import annotations

import copy
import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from . import stack

KUBERNETES = stack.ROOT / "deploy" / "kubernetes"


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"wanzo_k8s_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


validate = load(KUBERNETES / "crds" / "validate.py")
monitoring = load(KUBERNETES / "monitoring" / "generate.py")
kafka = load(KUBERNETES / "kafka" / "generate.py")


def documents(*relative: str) -> list[dict]:
    return [
        doc
        for name in relative
        for doc in yaml.safe_load_all((KUBERNETES / name).read_text())
        if doc
    ]


CUSTOM_RESOURCE_FILES = (
    "monitoring/podmonitor.yaml", "monitoring/prometheusrule.yaml", "kafka/kafka.yaml",
    "kafka/topics.yaml", "kafka/users.yaml", "overlays/production/scaledobjects.yaml",
)  # fmt: skip


@pytest.mark.parametrize("generator", [monitoring, kafka], ids=["monitoring", "kafka"])
def test_generated_files_are_fresh(generator):
    for path, content in generator.files().items():
        assert path.read_text() == content, f"stale {path.name}: run {generator.__file__} --write"


def test_the_prometheus_rule_holds_every_rule_group_unchanged():
    [rule] = documents("monitoring/prometheusrule.yaml")
    assert rule["spec"]["groups"] == stack.rule_groups()


def test_every_custom_resource_is_valid_against_its_operators_schema():
    docs = documents(*CUSTOM_RESOURCE_FILES)
    checked, errors = validate.validate(docs)
    assert errors == []
    assert checked == len(docs) == 2 + 1 + 2 + 9 + 4 + 4


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t["spec"].update(partitionz=3), "'partitionz' was unexpected"),
        (lambda t: t["spec"].update(partitions="twelve"), "'twelve' is not of type 'integer'"),
        (lambda t: t.update(apiVersion="kafka.strimzi.io/v9"), "no schema for"),
    ],
)
def test_the_validation_refuses_unknown_fields_wrong_types_and_unknown_versions(change, expected):
    topic = copy.deepcopy(documents("kafka/topics.yaml")[0])
    change(topic)
    _, errors = validate.validate([topic])
    assert len(errors) == 1 and expected in errors[0]


def test_each_kafka_user_writes_the_families_its_service_publishes():
    """PUBLISHES (the users' Write ACLs) against the services' publish("<family>.<name>") calls
    and the ("<family>.<name>", {...}) pairs they give publish_many."""
    for service, families in kafka.PUBLISHES.items():
        code = "\n".join(
            path.read_text()
            for path in (stack.ROOT / "services" / service).rglob("*.py")
            if "tests" not in path.parts
        )
        published = set(re.findall(r'publish\(\s*"([a-z_]+)\.', code))
        published |= set(re.findall(r'\(\s*"([a-z_]+)\.[a-z_]+",\s*\{', code))
        # system: every service announces itself (system.service_started, make up / start-up)
        assert published | {"system"} == set(families), service


def test_each_user_reads_every_family_and_uses_only_its_own_group_and_dead_letters():
    users = {doc["metadata"]["name"]: doc for doc in documents("kafka/users.yaml")}
    families = set(kafka.DEFAULT_TOPICS.values())
    for service in kafka.SERVICES:
        acls = users[kafka.group(service).replace("_", "-")]["spec"]["authorization"]["acls"]
        by_name = {acl["resource"]["name"]: set(acl["operations"]) for acl in acls}
        readable = {name for name, ops in by_name.items() if "Read" in ops}
        assert readable == families | {kafka.dlq(service), kafka.group(service)}
        assert by_name[kafka.group(service)] == {"Read", "Describe"}


def test_worker_scaling_is_bounded_by_the_partitions():
    overlay = (KUBERNETES / "overlays" / "production" / "kustomization.yaml").read_text()
    assert f"KAFKA_TOPIC_PARTITIONS={kafka.PARTITIONS}" in overlay
    for scaled in documents("overlays/production/scaledobjects.yaml"):
        assert scaled["spec"]["maxReplicaCount"] == kafka.PARTITIONS
        group = re.search(
            r'consumergroup="([^"]+)"', scaled["spec"]["triggers"][0]["metadata"]["query"]
        )
        assert (
            scaled["metadata"]["name"]
            == group.group(1).removeprefix("wanzo-").replace("_", "-") + "-worker"
        )


def test_scraped_workloads_name_their_metrics_port_and_both_scrapes_label_job_and_role():
    for role in monitoring.ROLES:
        [deployment] = [
            d for d in documents(f"base/service/{role}.yaml") if d["kind"] == "Deployment"
        ]
        ports = deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
        assert "metrics" in {port["name"] for port in ports}, role
    [pods] = [
        d for d in documents("monitoring/podmonitor.yaml") if d["metadata"]["name"] == "wanzo"
    ]
    relabel = {
        r["targetLabel"]: r["sourceLabels"][0]
        for r in pods["spec"]["podMetricsEndpoints"][0]["relabelings"]
    }
    plain = monitoring.kubernetes_scrape_config()["scrape_configs"][0]["relabel_configs"]
    plain = {r["target_label"]: r["source_labels"][0] for r in plain if "target_label" in r}
    for label in ("job", "role"):
        assert relabel[label] == plain[label]
    assert set(pods["spec"]["selector"]["matchExpressions"][0]["values"]) == set(monitoring.ROLES)


def relabel(labels: dict[str, str], configs: list[dict]) -> dict[str, str] | None:
    """Prometheus's relabelling (replace, keep, drop; anchored regexes), enough for our configs."""
    labels = dict(labels)
    for config in configs:
        value = config.get("separator", ";").join(
            labels.get(n, "") for n in config.get("source_labels", [])
        )
        match = re.fullmatch(config.get("regex", "(.*)"), value)
        action = config.get("action", "replace")
        if action == "keep" and not match or action == "drop" and match:
            return None
        if action == "replace" and match:
            labels[config["target_label"]] = match.expand(
                config.get("replacement", r"\1").replace("$1", r"\1")
            )
    return {name: value for name, value in labels.items() if not name.startswith("__")}


def test_the_plain_prometheus_relabelling_yields_job_and_role_for_scraped_pods_only():
    configs = monitoring.kubernetes_scrape_config()["scrape_configs"][0]["relabel_configs"]
    pod = "__meta_kubernetes_pod_"
    worker = {
        f"{pod}label_app_kubernetes_io_part_of": "wanzo", f"{pod}label_app_kubernetes_io_name": "auth",
        f"{pod}label_app_kubernetes_io_component": "worker", f"{pod}container_port_name": "metrics",
        f"{pod}phase": "Running", f"{pod}name": "auth-worker-7d9", "__meta_kubernetes_namespace": "wanzo",
    }  # fmt: skip
    assert relabel(worker, configs) == {
        "job": "auth", "role": "worker", "pod": "auth-worker-7d9", "namespace": "wanzo"
    }  # fmt: skip
    for change in (
        {f"{pod}label_app_kubernetes_io_component": "beat"},  # no metrics port
        {f"{pod}container_port_name": "http"},  # the app port, not the metrics one
        {f"{pod}phase": "Pending"},
        {f"{pod}label_app_kubernetes_io_part_of": "other"},
    ):
        assert relabel({**worker, **change}, configs) is None, change
