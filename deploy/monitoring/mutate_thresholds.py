"""Mutation test of the alert thresholds: does some promtool test fail when a threshold moves?

Each alert's comparison constants (``> 0.05``, ``>= 10``, ``== 0``, the first factor of
``> (14.4 * 0.001)``) and its ``for`` are shifted, one at a time, a step down and a step up
(constants by ``--step``, 10 % by default, or by 1 where they are 0; ``for`` by one evaluation
interval, 1m), in a temporary copy of ``rules/`` and ``tests/``; ``promtool test rules`` must
fail for every mutant. A mutant that survives is a threshold no test pins down: add a case
just below and just above it.

    python deploy/monitoring/mutate_thresholds.py          # exit status 1 if any survives
    python deploy/monitoring/mutate_thresholds.py --list   # the mutants, without running them
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
RULES = HERE / "rules" / "alerts.yml"
# A comparison and its constant; `(` lets `> (14.4 * 0.001)` shift its factor.
COMPARISON = re.compile(r"(?P<op>>=|<=|==|!=|>|<)\s*(?:bool\s+)?\(?\s*(?P<value>\d+(?:\.\d+)?)")
DURATION = re.compile(r"^(?P<amount>\d+)(?P<unit>[smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Mutant:
    alert: str
    what: str  # "expr: > 0.05 -> > 0.045" or "for: 10m -> 9m"
    old: str  # the exact text replaced in the alert's block
    new: str
    occurrence: int = 0  # which occurrence of `old` in the block (a threshold written twice)


def alert_blocks(text: str) -> Iterator[tuple[str, int, int]]:
    """(alert name, start, end) of each ``- alert:`` block in the rule file's text."""
    starts = [(m.group(1), m.start()) for m in re.finditer(r"^\s+- alert: (\w+)$", text, re.M)]
    for index, (name, start) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else len(text)
        yield name, start, end


def shifted(value: str, step: float) -> list[str]:
    number = float(value)
    if number == 0:
        candidates = [-1.0, 1.0]
    else:
        candidates = [number * (1 - step), number * (1 + step)]
    return [f"{candidate:g}" for candidate in candidates]


def mutants(text: str, *, step: float) -> list[Mutant]:
    found = []
    for name, start, end in alert_blocks(text):
        block = text[start:end]
        expr_start = block.index("expr:")
        expr_end = (
            block.index("\n        for:")
            if "\n        for:" in block
            else block.index("\n        labels:")
        )
        expr = block[expr_start:expr_end]
        seen: dict[str, int] = {}
        for match in COMPARISON.finditer(expr):
            before = match.group(0)
            occurrence = seen.get(before, 0)
            seen[before] = occurrence + 1
            for value in shifted(match.group("value"), step):
                after = (
                    before[: match.start("value") - match.start()]
                    + value
                    + before[match.end("value") - match.start() :]
                )
                what = f"expr: {before} -> {after}" + (
                    f" (#{occurrence + 1})" if occurrence else ""
                )
                found.append(Mutant(name, what, before, after, occurrence))
        if match := re.search(r"\n        for: (\S+)", block):
            duration = DURATION.match(match.group(1))
            seconds = int(duration["amount"]) * UNIT_SECONDS[duration["unit"]]
            for delta in (-60, 60):
                if seconds + delta <= 0:
                    continue
                new = (
                    f"{(seconds + delta) // 60}m"
                    if (seconds + delta) % 60 == 0
                    else (f"{seconds + delta}s")
                )
                found.append(
                    Mutant(
                        name,
                        f"for: {match.group(1)} -> {new}",
                        f"for: {match.group(1)}",
                        f"for: {new}",
                    )
                )
    return found


def apply(text: str, mutant: Mutant) -> str:
    for name, start, end in alert_blocks(text):
        if name == mutant.alert:
            block = text[start:end]
            at = -1
            for _ in range(mutant.occurrence + 1):
                at = block.index(mutant.old, at + 1)
            block = block[:at] + mutant.new + block[at + len(mutant.old) :]
            return text[:start] + block + text[end:]
    raise KeyError(mutant.alert)


def survives(mutant: Mutant, text: str, workdir: Path) -> bool:
    """True when every promtool test still passes with the mutant in place."""
    (workdir / "rules" / "alerts.yml").write_text(apply(text, mutant))
    yaml.safe_load((workdir / "rules" / "alerts.yml").read_text())  # still YAML
    # Only the files that test this alert: a mutant can only fail those.
    tests = [
        str(path)
        for path in sorted((workdir / "tests").glob("*.yml"))
        if f"alertname: {mutant.alert}\n" in path.read_text()
    ]
    result = subprocess.run(
        ["promtool", "test", "rules", *tests], capture_output=True, text=True, check=False
    )
    return result.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", type=float, default=0.1, help="relative shift (default 0.1)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--alert", help="only this alert's mutants")
    args = parser.parse_args(argv)
    text = RULES.read_text()
    todo = [m for m in mutants(text, step=args.step) if args.alert in (None, m.alert)]
    if args.list:
        for mutant in todo:
            print(f"{mutant.alert}: {mutant.what}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        shutil.copytree(HERE / "rules", workdir / "rules")
        shutil.copytree(HERE / "tests", workdir / "tests")
        survivors = []
        for mutant in todo:
            alive = survives(mutant, text, workdir)
            print(f"{'SURVIVED' if alive else 'killed  '} {mutant.alert}: {mutant.what}")
            if alive:
                survivors.append(mutant)
    print(
        f"\n{len(todo) - len(survivors)} of {len(todo)} mutants killed; {len(survivors)} survived"
    )
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
