"""Validate the custom resources of rendered manifests against the operators' CRD schemas.

    kubectl kustomize deploy/kubernetes/overlays/production > /tmp/all.yaml
    python deploy/kubernetes/crds/validate.py /tmp/all.yaml

Every object whose ``apiVersion`` names a group of this folder (monitoring.coreos.com,
kafka.strimzi.io, keda.sh) is checked against ``<group>/<Kind>_<version>.json`` with JSON
Schema (Draft 7 semantics, as Kubernetes' structural schemas use them), strictly: an object
schema that lists its properties and neither allows others nor preserves unknown fields refuses
any other key, as the API server's pruning would silently drop it (kubeconform's --strict). A
custom resource of a group here without a schema for its kind or version fails. Other objects
are left to kubernetes-validate (deploy/check.sh). Exit status 1 on any error.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft7Validator

HERE = Path(__file__).resolve().parent
GROUPS = {path.name for path in HERE.iterdir() if path.is_dir()}


def strict(node):
    """The schema with ``additionalProperties: false`` wherever Kubernetes would prune."""
    if isinstance(node, dict):
        node = {key: strict(value) for key, value in node.items()}
        if (
            "properties" in node
            and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
        ):
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [strict(item) for item in node]
    return node


@cache
def validator(group: str, kind: str, version: str) -> Draft7Validator | None:
    path = HERE / group / f"{kind}_{version}.json"
    if not path.exists():
        return None
    schema = strict(json.loads(path.read_text()))
    # metadata is the API server's business (ObjectMeta), not the CRD's
    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
    return Draft7Validator(schema)


def validate(documents: list[dict]) -> tuple[int, list[str]]:
    """(custom resources checked, error lines)."""
    checked, errors = 0, []
    for doc in documents:
        if not doc or "/" not in doc.get("apiVersion", ""):
            continue
        group, version = doc["apiVersion"].split("/", 1)
        if group not in GROUPS:
            continue
        name = f"{doc['kind']}/{doc.get('metadata', {}).get('name', '?')}"
        found = validator(group, doc["kind"], version)
        if found is None:
            errors.append(f"{name}: no schema for {doc['apiVersion']} {doc['kind']}")
            continue
        checked += 1
        for error in sorted(found.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = ".".join(str(part) for part in error.absolute_path) or "(root)"
            errors.append(f"{name}: {where}: {error.message}")
    return checked, errors


def main(paths: list[str]) -> int:
    documents = [doc for path in paths for doc in yaml.safe_load_all(Path(path).read_text())]
    checked, errors = validate(documents)
    for line in errors:
        print(line, file=sys.stderr)
    kinds = sorted(
        {d["kind"] for d in documents if d and d.get("apiVersion", "").split("/")[0] in GROUPS}
    )
    print(
        f"{checked} custom resources ({', '.join(kinds)}) checked against the operators' "
        f"CRD schemas: {len(errors)} error(s)"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
