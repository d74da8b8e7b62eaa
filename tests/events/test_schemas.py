import copy
import json
import subprocess
import sys

import pytest

from wanzo_common.events import schemas
from wanzo_common.events.types import REGISTRY, get_type


def test_every_type_matches_its_committed_snapshot():
    """Fails when a change would break consumers: bump the version or restore the field."""
    assert schemas.check_all() == {}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_snapshot_files_are_exactly_what_write_produces(name):
    event_type = get_type(name)
    assert schemas.snapshot_path(event_type).read_text() == schemas.render(event_type)


def base():
    return copy.deepcopy(get_type("transaction.created").schema)


def test_removing_a_field_is_breaking():
    new = base()
    del new["properties"]["category"]
    assert schemas.breaking_changes(base(), new) == ["category: field removed"]


@pytest.mark.parametrize(
    "change",
    [{"type": "number"}, {"pattern": "^.*$"}, {"type": ["string", "null"]}],
)
def test_retyping_a_field_is_breaking(change):
    new = base()
    new["properties"]["amount"] = {**new["properties"]["amount"], **change}
    [problem] = schemas.breaking_changes(base(), new)
    assert problem.startswith("amount:")


def test_narrowing_a_nested_field_is_breaking():
    old = copy.deepcopy(get_type("user.created").schema)
    new = copy.deepcopy(old)
    new["properties"]["organization"]["properties"]["country"]["maxLength"] = 2
    assert schemas.breaking_changes(old, new) == [
        "organization.country: 'maxLength' changed (2000 -> 2)"
    ]


def test_array_items_are_compared():
    old = copy.deepcopy(get_type("user.updated").schema)
    new = copy.deepcopy(old)
    new["properties"]["updatedFields"]["items"] = {"type": "integer"}
    assert any(p.startswith("updatedFields[]") for p in schemas.breaking_changes(old, new))


def test_requiring_a_field_is_breaking():
    new = base()
    new["required"] = sorted([*new["required"], "category"])
    assert schemas.breaking_changes(base(), new) == ["category: field is now required"]


def test_adding_an_optional_field_or_a_description_is_compatible():
    new = base()
    new["properties"]["note"] = {"type": "string"}
    new["properties"]["amount"]["description"] = "reworded"
    new["description"] = "reworded"
    assert schemas.breaking_changes(base(), new) == []


def test_write_refuses_breaking_changes_without_force(tmp_path, monkeypatch):
    monkeypatch.setattr(schemas, "DIRECTORY", tmp_path)
    written, refused = schemas.write_all()
    assert len(written) == len(REGISTRY) and refused == {}
    path = schemas.snapshot_path(get_type("auth.logout"))
    snapshot = json.loads(path.read_text())
    snapshot["properties"]["gone"] = {"type": "string"}
    path.write_text(json.dumps(snapshot))
    written, refused = schemas.write_all()
    assert written == [] and refused == {"auth.logout": ["gone: field removed"]}
    assert "gone" in path.read_text()
    written, refused = schemas.write_all(force=True)
    assert written == [path.name] and "gone" not in path.read_text()


def test_command_line_check_passes_on_the_committed_snapshots():
    result = subprocess.run(
        [sys.executable, "-m", "wanzo_common.events.schemas"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
