"""Shared benchmark helpers: result rows, percentiles, machine load, Markdown tables."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Row:
    """One measured case; ``ok`` is None when the case has no target."""

    case: str
    database: str
    items: str
    measured: str
    target: str = "—"
    ok: bool | None = None


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, e.g. ``2.10 / 1.85 / 1.60``."""
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def cpu_counters() -> tuple[int, int]:
    """(steal, total) jiffies of all CPUs since boot, from /proc/stat; zeros elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return (values[7] if len(values) > 7 else 0), sum(values)


def steal_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Share of CPU time the hypervisor took from this machine between two cpu_counters()."""
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def cpu_available(seconds: float = 1.0) -> float:
    """Share of one CPU a busy loop got during ``seconds``: 1.0 on an idle machine, far less
    when other processes or the hypervisor take the CPUs (every latency is then inflated)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    while time.perf_counter() - wall < seconds:
        pass
    return (time.thread_time() - cpu) / (time.perf_counter() - wall)


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**NO**")


def markdown_table(rows: Iterable[Row]) -> str:
    """The rows as a Markdown table: case | database | items | measured | target | ok."""
    lines = ["| case | database | items | measured | target | ok |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row.case} | {row.database} | {row.items} | {row.measured} "
                     f"| {row.target} | {verdict(row.ok)} |")
    return "\n".join(lines)


def print_table(rows: Iterable[Row]) -> None:
    print(markdown_table(rows), flush=True)
