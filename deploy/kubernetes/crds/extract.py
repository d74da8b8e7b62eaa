"""Turn operators' CustomResourceDefinitions into the JSON schemas ``validate.py`` checks against.

Reads CRD YAML files (the operators' published ones, see README.md for where they come from)
and writes, for each served version, ``<group>/<kind>_<version>.json``: the version's
``openAPIV3Schema`` with descriptions removed (they are most of the bytes) and nothing else
changed. Run it again when upgrading an operator::

    python deploy/kubernetes/crds/extract.py path/to/crd.yaml ...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def strip(node):
    if isinstance(node, dict):
        return {key: strip(value) for key, value in node.items() if key != "description"}
    if isinstance(node, list):
        return [strip(item) for item in node]
    return node


def extract(path: Path) -> list[Path]:
    written = []
    for crd in yaml.safe_load_all(path.read_text()):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served"):
                continue
            schema = strip(version["schema"]["openAPIV3Schema"])
            out = HERE / group / f"{kind}_{version['name']}.json"
            out.parent.mkdir(exist_ok=True)
            out.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
            written.append(out)
    return written


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        for out in extract(Path(argument)):
            print(out.relative_to(HERE))
