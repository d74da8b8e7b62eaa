"""``python -m wanzo_common.events.schemas [--write [--force]]``: check or refresh snapshots."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wanzo_common.events.schemas")
    parser.add_argument("--write", action="store_true", help="write new/compatible snapshots")
    parser.add_argument("--force", action="store_true", help="overwrite even breaking changes")
    args = parser.parse_args(argv)
    # The catalogue needs no Django settings: types and schemas are plain Python.
    from wanzo_common.events import schemas

    if args.write:
        written, refused = schemas.write_all(force=args.force)
        for name in written:
            print(f"wrote {name}")
        report = refused
    else:
        report = schemas.check_all()
    for name, problems in report.items():
        for problem in problems:
            print(f"{name}: {problem}", file=sys.stderr)
    if report:
        print("breaking: bump the type's version instead (or --write --force)", file=sys.stderr)
    return 1 if report else 0


if __name__ == "__main__":
    raise SystemExit(main())
