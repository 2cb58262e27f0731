"""Document rendering benchmark: prints a Markdown table (case, times, target, ok).

Run from the repository root: .venv/bin/python -m bench.documents [--without-hb-subset] [--runs N]
Times are medians of warm runs (wall clock) and the verdict is on the median; the fastest run
and the median process time are shown too, steadier figures on a busy machine. The first row
is the cold first render.
``--without-hb-subset`` hides libharfbuzz-subset from WeasyPrint, to measure a machine that
lacks it without uninstalling anything.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bench.common import cpu_available, cpu_counters, load_average, steal_share
from inventory.documents import engine, samples
from inventory.documents.render import (
    render_agreement,
    render_card_handover,
    render_return_receipt,
    render_wipe_certificate,
)

Case = tuple[str, Callable[[], bytes], int, float | None]


def measure(action: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Median wall time, fastest wall time and median CPU time in seconds of warm runs."""
    action()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def row(name: str, wall: float, fastest: float, cpu: float, target: float | None) -> str:
    """One Markdown table row, times in milliseconds."""
    verdict = "—" if target is None else ("yes" if wall <= target else "NO")
    shown = "—" if target is None else f"≤ {target * 1000:.0f} ms"
    times = " | ".join(f"{value * 1000:.0f} ms" for value in (wall, fastest, cpu))
    return f"| {name} | {times} | {shown} | {verdict} |"


def hide_harfbuzz_subset() -> None:
    """Make WeasyPrint and the engine believe libharfbuzz-subset is not installed."""
    import weasyprint.pdf.fonts
    import weasyprint.text.ffi

    weasyprint.text.ffi.harfbuzz_subset = None
    weasyprint.pdf.fonts.harfbuzz_subset = None
    engine.full_fonts.cache_clear()


def main() -> None:
    """Run every case and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.documents")
    parser.add_argument("--without-hb-subset", action="store_true")
    parser.add_argument("--runs", type=int, default=20, help="warm runs per case (default 20)")
    args = parser.parse_args()
    if args.without_hb_subset:
        hide_harfbuzz_subset()
    agreement = samples.sample_agreement()
    wall, cpu = time.perf_counter(), time.process_time()
    pdf = render_agreement(agreement)  # cold: templates, CSS and fonts load here
    cold_wall = time.perf_counter() - wall
    cold = (cold_wall, cold_wall, time.process_time() - cpu)
    cases: list[Case] = [
        (
            "loan agreement, 3 items, 2 pages (warm)",
            lambda: render_agreement(agreement),
            args.runs,
            0.1,
        ),
        (
            "return receipt (warm)",
            lambda: render_return_receipt(samples.sample_return_receipt()),
            args.runs,
            None,
        ),
        (
            "wipe certificate (warm)",
            lambda: render_wipe_certificate(samples.sample_wipe_certificate()),
            args.runs,
            None,
        ),
        (
            "card handover slip (warm)",
            lambda: render_card_handover(samples.sample_card_handover("1234-5678")),
            args.runs,
            None,
        ),
    ]
    print(
        f"HarfBuzz-subset: {'yes' if engine.harfbuzz_subset_available() else 'NO'}; "
        f"agreement PDF {len(pdf) / 1024:.0f} KiB; load average {load_average()}; "
        f"share of a CPU a busy loop gets: {cpu_available():.2f}"
    )
    print()
    print("| case | measured (median) | fastest | CPU (median) | target | ok |")
    print("|---|---|---|---|---|---|")
    print(row("loan agreement, first render in the process (cold)", *cold, None), flush=True)
    before = cpu_counters()
    for name, action, runs, target in cases:
        print(row(name, *measure(action, runs), target), flush=True)
    print(f"\nCPU stolen by the hypervisor meanwhile: {steal_share(before, cpu_counters()):.0%}")


if __name__ == "__main__":
    main()
