"""Document rendering benchmark: prints a Markdown table (case, measured, CPU, target, ok).

Run from the repository root: .venv/bin/python -m bench.documents [--without-hb-subset]
Times are medians of warm runs (wall clock); the CPU column is the process time of the same
runs, a steadier figure on a busy machine. The first row is the cold first render.
``--without-hb-subset`` hides libharfbuzz-subset from WeasyPrint, to measure a machine that
lacks it without uninstalling anything.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

from inventory.documents import engine, samples
from inventory.documents.render import (
    render_agreement,
    render_card_handover,
    render_return_receipt,
    render_wipe_certificate,
)

Case = tuple[str, Callable[[], bytes], int, float | None]


def measure(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time in seconds of warm runs."""
    action()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def row(name: str, wall: float, cpu: float, target: float | None) -> str:
    """One Markdown table row, times in milliseconds."""
    verdict = "—" if target is None else ("yes" if wall <= target else "NO")
    shown = "—" if target is None else f"≤ {target * 1000:.0f} ms"
    return f"| {name} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms | {shown} | {verdict} |"


def hide_harfbuzz_subset() -> None:
    """Make WeasyPrint and the engine believe libharfbuzz-subset is not installed."""
    import weasyprint.pdf.fonts
    import weasyprint.text.ffi

    weasyprint.text.ffi.harfbuzz_subset = None
    weasyprint.pdf.fonts.harfbuzz_subset = None
    engine.full_fonts.cache_clear()


def main() -> None:
    """Run every case and print the table."""
    if "--without-hb-subset" in sys.argv[1:]:
        hide_harfbuzz_subset()
    agreement = samples.sample_agreement()
    wall, cpu = time.perf_counter(), time.process_time()
    pdf = render_agreement(agreement)  # cold: templates, CSS and fonts load here
    cold = (time.perf_counter() - wall, time.process_time() - cpu)
    cases: list[Case] = [
        ("loan agreement, 3 items, 2 pages (warm)", lambda: render_agreement(agreement), 20, 0.1),
        (
            "return receipt (warm)",
            lambda: render_return_receipt(samples.sample_return_receipt()),
            20,
            None,
        ),
        (
            "wipe certificate (warm)",
            lambda: render_wipe_certificate(samples.sample_wipe_certificate()),
            20,
            None,
        ),
        (
            "card handover slip (warm)",
            lambda: render_card_handover(samples.sample_card_handover("1234-5678")),
            20,
            None,
        ),
    ]
    print(
        f"HarfBuzz-subset: {'yes' if engine.harfbuzz_subset_available() else 'NO'}; "
        f"agreement PDF {len(pdf) / 1024:.0f} KiB; load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| case | measured | CPU | target | ok |")
    print("|---|---|---|---|---|")
    print(row("loan agreement, first render in the process (cold)", *cold, None))
    for name, action, runs, target in cases:
        print(row(name, *measure(action, runs), target))


if __name__ == "__main__":
    main()
