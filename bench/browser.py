"""Item page load in a real browser: DOMContentLoaded of ``/i/<tag>`` in headless Chromium.

Run from the repository root: ``.venv/bin/python -m bench.browser [--quick]``. It creates a
throw-away SQLite database of 100,000 items (``--quick``: 10,000) with bench.scan's helpers,
starts ``inventory serve`` on a free loopback port, puts the bench user's session cookie into
a Chromium profile (Debian's ``/usr/bin/chromium``, driven by Playwright) and opens the page
of a random tag 50 times (``--quick``: 20), after a few warm-up loads. For each load it reads
the browser's navigation timing entry: DOMContentLoaded (from the start of the navigation,
so it includes the request, the server, parsing and the deferred scripts) and the time to
the first byte of the answer (request sent to response started: the server's share as the
browser sees it). The server-side latency of the same page over HTTP, without a browser, is
measured by bench.scan (``item page /i/‹tag›``).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from collections.abc import Sequence

from bench.common import Row, load_average, percentile, print_table
from bench.scan import BENCH_DIR, PREFIX, Database, Server
from inventory.domain.tags import encode

P99_DCL_MS = 300.0
LOADS, WARM_UP = 50, 5
NAVIGATION_JS = """() => {
  const n = performance.getEntriesByType("navigation")[0];
  return [n.domContentLoadedEventEnd - n.startTime, n.responseStart - n.requestStart];
}"""


def log(message: str) -> None:
    print(f"[browser {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def chromium_path() -> str | None:
    """Debian's Chromium (or ``INVENTORY_CHROMIUM``); None when there is none."""
    if explicit := os.environ.get("INVENTORY_CHROMIUM"):
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def measure(server: Server, executable: str, loads: int) -> tuple[list[float], list[float]]:
    """DOMContentLoaded and time-to-first-byte, in seconds, of ``loads`` item pages."""
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{server.port}"
    name, _, value = server.cookie.partition("=")
    rng = random.Random(server.db.count)
    tags = [encode(PREFIX, rng.randint(1, server.db.count)) for _ in range(loads + WARM_UP)]
    dcl, ttfb = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            context = browser.new_context(base_url=base, locale="fr-FR",
                                          viewport={"width": 1366, "height": 768})
            context.add_cookies([{"name": name, "value": value, "url": base}])
            page = context.new_page()
            for n, tag in enumerate(tags):
                answer = page.goto(f"/i/{tag}")
                if answer is None or answer.status != 200 or tag not in page.title():
                    raise RuntimeError(f"/i/{tag}: {answer and answer.status} {page.url}")
                loaded, first_byte = page.evaluate(NAVIGATION_JS)
                if n >= WARM_UP:
                    dcl.append(loaded / 1000)
                    ttfb.append(first_byte / 1000)
        finally:
            browser.close()
    return dcl, ttfb


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def run(quick: bool = False) -> list[Row]:
    """Measure the item page load in Chromium and return the rows (see the module docstring)."""
    count, loads = (10_000, 20) if quick else (100_000, LOADS)
    label = f"{count // 1000}k"
    executable = chromium_path()
    if executable is None:
        return [Row("Chromium not found: skipped", "sqlite", label, "apt-get install chromium")]
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db = Database("sqlite", count)
    try:
        db.create()
        db.load()
        with Server(db) as server:
            log(f"{loads} item pages in Chromium")
            dcl, ttfb = measure(server, executable, loads)
    finally:
        db.drop()
    p99 = percentile(dcl, 99)
    return [
        Row("item page /i/‹tag› in Chromium: DOMContentLoaded p50 / p99", "sqlite", label,
            f"{_ms(percentile(dcl, 50))} / {_ms(p99)} (n={len(dcl)})",
            f"p99 ≤ {P99_DCL_MS:g} ms", p99 * 1000 <= P99_DCL_MS),
        Row("same loads: time to first byte p50 / p99 (server's share)", "sqlite", label,
            f"{_ms(percentile(ttfb, 50))} / {_ms(percentile(ttfb, 99))}"),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.browser",
                                     description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="10,000 items, 20 loads")
    args = parser.parse_args(argv)
    before, started = load_average(), time.perf_counter()
    rows = run(args.quick)
    print(f"Item page in Chromium: {os.cpu_count()} CPUs, load average before {before}, after "
          f"{load_average()}; {time.perf_counter() - started:.0f} s.\n")
    print_table(rows)


if __name__ == "__main__":
    main()
