"""A stocktake in a real browser (headless Chromium) against a real server: the box keeps the
focus while a barcode reader scans three labels in a row, the totals follow, and the report
names the item that was not found. Screenshots go to var/test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import require_playwright

expect = require_playwright()

from tests.e2e.pages import LoginPage, StocktakePage

pytestmark = pytest.mark.e2e

ON_A_SHELF = ("(i.family = 'device' AND i.state IN ('received', 'refurbishing', 'available', "
              "'reserved', 'returned', 'in_repair')) OR (i.family = 'card' AND i.state IN "
              "('in_stock', 'reserved'))")


def shelf_tags(live_server, site: str) -> list[str]:
    """The tags a count at ``site`` expects, in the report's order."""
    rows = live_server.query(
        f"SELECT i.tag FROM item i JOIN site s ON s.id = i.site WHERE s.code = ? "  # noqa: S608
        f"AND ({ON_A_SHELF}) ORDER BY i.tag", site)
    return [r["tag"] for r in rows]


def test_a_count_scanned_item_after_item_reports_the_missing_one(page, live_server,
                                                                 screenshot_dir):
    here, there = shelf_tags(live_server, "AUB"), shelf_tags(live_server, "BAS")
    assert len(here) >= 3 and there, "the demo needs items on both sites' shelves"
    missing, scanned = here[0], here[1:3]
    LoginPage(page).open("/stocktake").sign_in("accueil", live_server.accounts["accueil"])
    expect(page).to_have_url(re.compile(r"/stocktake$"))
    count = StocktakePage(page)
    count.start()
    expect(count.total("expected")).to_have_text(str(len(here)))

    # Three labels in a row, as fast as a reader types them: nothing to click in between.
    for code in (*scanned, there[0]):
        count.scan(code)
        expect(count.box).to_have_value("")
        expect(count.box).to_be_focused()
    expect(count.total("found")).to_have_text("2")
    expect(count.total("unexpected")).to_have_text("1")
    expect(count.total("missing")).to_have_text(str(len(here) - 2))
    expect(count.last_scans).to_have_count(3)
    expect(count.last_scans.first).to_contain_text(there[0])
    expect(count.last_scans.first).to_contain_text("BAS")
    expect(page.get_by_test_id("stocktake-last")).to_have_class(re.compile(r"\bbad\b"))
    count.screenshot(screenshot_dir, "stocktake-count")

    # Scanning one again counts it once.
    count.scan(scanned[0])
    expect(page.get_by_test_id("stocktake-last")).to_contain_text(scanned[0])
    expect(count.total("found")).to_have_text("2")

    count.close()
    expect(page).to_have_url(re.compile(r"/stocktake/\d+/report$"))
    expect(count.total("missing")).to_have_text(str(len(here) - 2))
    expect(count.section("missing")).to_contain_text(missing)
    expect(count.section("unexpected")).to_contain_text(there[0])
    expect(count.section("found")).to_contain_text(scanned[0])
    count.screenshot(screenshot_dir, "stocktake-report")
