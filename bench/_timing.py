"""Interleaved timing: every round runs every variant, in an order that rotates each round.

Timing variants one after the other lets drift (CPU frequency, other processes, caches
warming) land on one variant; interleaving spreads it over all of them, and the per-round
differences to the baseline cancel most of what is left. Results are medians.

Batches are timed in CPU time of this (single-threaded) process, not wall time: on a shared
machine a wall clock also counts the time other processes held the CPU.
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from time import process_time_ns


@dataclass
class Samples:
    """Per-operation times in seconds, one sample per round."""

    per_round: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.per_round)


def interleaved(
    variants: dict[str, Callable[[int], None]], *, rounds: int, per_round: int, warmup: int = 1
) -> dict[str, Samples]:
    """Time ``run(per_round)`` of each variant in each of ``rounds`` rounds."""
    names = list(variants)
    for run in variants.values():
        for _ in range(warmup):
            run(per_round)
    results = {name: Samples() for name in names}
    gc_was_enabled = gc.isenabled()
    try:
        for round_no in range(rounds):
            shift = round_no % len(names)
            for name in names[shift:] + names[:shift]:
                gc.collect()
                gc.disable()  # as timeit does: a collection would land on one variant at random
                start = process_time_ns()
                variants[name](per_round)
                elapsed = process_time_ns() - start
                gc.enable()
                results[name].per_round.append(elapsed / 1e9 / per_round)
    finally:
        if gc_was_enabled:
            gc.enable()
    return results


def paired_added(results: dict[str, Samples], name: str, baseline: str) -> float:
    """Median over rounds of (variant - baseline) within the same round, in seconds."""
    pairs = zip(results[name].per_round, results[baseline].per_round, strict=True)
    return statistics.median(a - b for a, b in pairs)


def paired_spread(results: dict[str, Samples], name: str, baseline: str) -> tuple[float, float]:
    """First and third quartiles of the per-round differences: how far to trust the median."""
    pairs = zip(results[name].per_round, results[baseline].per_round, strict=True)
    q1, _, q3 = statistics.quantiles([a - b for a, b in pairs], n=4)
    return q1, q3


def added_note(results: dict[str, Samples], name: str, baseline: str) -> str:
    """``added +5.19 µs (IQR 4.8 to 5.6)`` for a report line."""
    q1, q3 = paired_spread(results, name, baseline)
    added = paired_added(results, name, baseline)
    return f"added {added * 1e6:+.2f} µs (IQR {q1 * 1e6:+.1f} to {q3 * 1e6:+.1f})"


def verdict(value: float, goal: float) -> str:
    return "PASS" if value <= goal else "MISS"


def row(label: str, value: str, note: str = "") -> None:
    """One aligned line of the bench's report."""
    print(f"  {label:<52}{value:>12}   {note}".rstrip())
