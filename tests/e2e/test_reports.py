"""The coordinators' dashboard in a real browser on the demo data: charts drawn under the CSP,
no sideways scrolling on a desk screen or a 10-inch tablet, and the period report as a PDF.
Screenshots go to var/test-artifacts/screenshots/ (reports-dashboard*.png)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import require_playwright

expect = require_playwright()

from tests.e2e.pages import LoginPage, ReportsPage

pytestmark = pytest.mark.e2e

COORDINATOR = "coordination"
TABLET = {"width": 800, "height": 1280}


def sign_in(page, live_server, username: str) -> None:
    LoginPage(page).open().sign_in(username, live_server.accounts[username])
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_the_dashboard_draws_its_charts_and_fits_a_desk_screen_and_a_tablet(
        page, live_server, screenshot_dir):
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in(page, live_server, COORDINATOR)
    expect(page.get_by_test_id("areas-nav").get_by_role("link", name=re.compile("Rapports|Reports"))
           ).to_be_visible()
    reports = ReportsPage(page).open()
    expect(reports.period).to_be_visible()
    assert reports.charts.count() >= 4  # goal, devices, devices per site, referrals
    expect(reports.charts.first).to_have_attribute("aria-label", re.compile(r"\S"))
    assert not reports.scrolls_sideways(), "sideways scroll at 1366×768"
    reports.screenshot(screenshot_dir, "reports-dashboard")
    page.set_viewport_size(TABLET)
    page.reload()
    expect(reports.period).to_be_visible()
    assert not reports.scrolls_sideways(), "sideways scroll at 800×1280"
    reports.screenshot(screenshot_dir, "reports-dashboard-tablet")
    assert blocked == []


def test_dates_in_the_wrong_order_are_refused_next_to_the_end_date(page, live_server):
    sign_in(page, live_server, COORDINATOR)
    reports = ReportsPage(page).open()
    reports.choose_dates("2026-06-30", "2026-01-01")
    expect(reports.field_error("end")).to_be_visible()
    expect(reports.period).to_have_count(0)
    expect(page.locator("#f-start")).to_have_value("2026-06-30")


def test_last_year_s_report_downloads_as_a_pdf_in_one_click(page, live_server):
    sign_in(page, live_server, COORDINATOR)
    reports = ReportsPage(page).open()
    reports.choose_last_year()
    href = reports.pdf_link.get_attribute("href")
    assert re.search(r"start=\d{4}-01-01&end=\d{4}-12-31", href), href
    answer = page.request.get(href)  # with the page's session cookie
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/pdf")
    assert answer.headers["cache-control"] == "no-store"
    assert answer.body().startswith(b"%PDF-")
