"""The command line both manifest generators share: write their files, or check they are fresh.

``--write`` rewrites each generated file; ``--check`` exits 1 naming the stale ones (CI and the
tests call it), so a generated manifest never drifts from its source.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def write_or_check(files: Mapping[Path, str], *, script: str, argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(description=f"{script}: write or check generated files")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true")
    action.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    for path, text in files.items():
        if args.write:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
        elif not path.exists() or path.read_text() != text:
            stale.append(str(path.relative_to(ROOT)))
    if stale:
        print(f"stale: {', '.join(stale)}; run {Path(script).relative_to(ROOT)} --write")
    return 1 if stale else 0
