"""Label rendering benchmark: prints a Markdown table (case, measured, target, ok).

Run from the repository root: .venv/bin/python -m bench.labels
Times are wall clock over warm runs: the median (judged against the target) and the best run.
The steal column is the share of CPU time the hypervisor took from this virtual machine during
the case (from /proc/stat): on a shared host it inflates every time, so read it alongside.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from labels import LabelData, render_pdf, render_svg, render_zpl


def sample(count: int) -> list[LabelData]:
    """count realistic, distinct labels."""
    return [
        LabelData(
            tag=f"ESN-{i:05d}-{i % 10}",
            url=f"https://inventaire.esn-aubiers.fr/i/ESN-{i:05d}-{i % 10}",
            kind="Ordinateur portable",
            model="Lenovo ThinkPad T480 reconditionné",
            site="Espace de solidarité numérique des Aubiers",
            association="Les Aubiers connectés",
        )
        for i in range(1, count + 1)
    ]


def _cpu_counters() -> tuple[int, int]:
    """(steal, total) jiffies of all CPUs since boot; zeros where /proc/stat is missing."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0, 0
    return (values[7] if len(values) > 7 else 0), sum(values)


def measure(action: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Median and best wall time in seconds of warm runs, and the steal share meanwhile."""
    action()
    walls = []
    steal0, total0 = _cpu_counters()
    for _ in range(runs):
        start = time.perf_counter()
        action()
        walls.append(time.perf_counter() - start)
    steal1, total1 = _cpu_counters()
    steal = (steal1 - steal0) / max(1, total1 - total0)
    return statistics.median(walls), min(walls), steal


def main() -> None:
    """Run every case and print the table."""
    sheet, full, thousand, five_thousand = sample(21), sample(65), sample(1000), sample(5000)
    cases = [
        ("one A4 sheet, 21 labels (3×7)", lambda: render_pdf(sheet, "a4-3x7"), 20, 0.3),
        ("one A4 sheet, 65 labels (5×13)", lambda: render_pdf(full, "a4-5x13"), 10, None),
        ("1,000 labels as one PDF (3×7)", lambda: render_pdf(thousand, "a4-3x7"), 3, 3.0),
        ("5,000 labels as one PDF (3×7)", lambda: render_pdf(five_thousand, "a4-3x7"), 1, None),
        ("one thermal label (62×29)", lambda: render_pdf(sheet[:1], "roll-62x29"), 50, 0.05),
        ("one label as SVG", lambda: render_svg(sheet[0]), 50, None),
        ("ZPL for 1,000 labels (62×29)", lambda: render_zpl(thousand, "roll-62x29"), 10, 0.2),
    ]
    print("| case | measured (median) | best | steal | target | ok |")
    print("|---|---|---|---|---|---|")
    for name, action, runs, target in cases:
        median, best, steal = measure(action, runs)
        verdict = "—" if target is None else ("yes" if median <= target else "NO")
        goal = "—" if target is None else f"≤ {target * 1000:g} ms"
        print(f"| {name} (n={runs}) | {median * 1000:.1f} ms | {best * 1000:.1f} ms "
              f"| {steal:.0%} | {goal} | {verdict} |")
    size = len(render_pdf(thousand, "a4-3x7"))
    print(f"\n1,000-label PDF: {size / 1024:.0f} KiB ({size / 1000:.0f} bytes a label).")
    pages, tail = page_times(thousand)
    estimate = statistics.median(pages) * len(pages) + tail
    print(f"Its {len(pages)} pages: median {statistics.median(pages) * 1000:.1f} ms a page, "
          f"slowest {max(pages) * 1000:.0f} ms; median page × pages + writing the file = "
          f"{estimate:.2f} s, an estimate of the 1,000-label time without the machine's stalls.")
    loops = [measure(_control_loop, 1)[0] for _ in range(30)]
    best, median = min(loops), statistics.median(loops)
    print(f"Control, the same small pure-Python loop 30 times: best {best * 1000:.0f} ms, "
          f"median {median * 1000:.0f} ms (×{median / best:.1f}): how much other work on this "
          "machine slowed everything during the bench.")


def page_times(labels: list[LabelData]) -> tuple[list[float], float]:
    """Seconds spent on each page of a PDF of the labels, and on writing the file after them."""
    stamps = [time.perf_counter()]
    render_pdf(labels, "a4-3x7", progress=lambda done, total: stamps.append(time.perf_counter()))
    tail = time.perf_counter() - stamps[-1]
    return [after - before for before, after in zip(stamps, stamps[1:], strict=False)], tail


def _control_loop() -> int:
    total = 0
    for i in range(1_000_000):
        total += i
    return total


if __name__ == "__main__":
    main()
