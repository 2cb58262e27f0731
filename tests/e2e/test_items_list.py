"""The items list in a real browser on the demo data: a filter and the pager refresh the table
in place (htmx), the address follows, and the same addresses work without JavaScript.
Screenshots go to var/test-artifacts/screenshots/ (items-list*.png)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import require_playwright

expect = require_playwright()

from tests.e2e.pages import ItemsListPage, LoginPage

pytestmark = pytest.mark.e2e

TABLET = {"width": 800, "height": 1280}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def sign_in(page, live_server, username: str) -> None:
    LoginPage(page).open().sign_in(username, live_server.accounts[username])
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_the_desk_filters_the_items_list_and_pages_through_it_without_reloading(
        page, live_server, screenshot_dir):
    available = live_server.query(
        "SELECT tag FROM item WHERE state = 'available' ORDER BY tag")
    tags = [r["tag"] for r in available]
    assert len(tags) > 100, "the demo has over a hundred available devices"
    sign_in(page, live_server, "accueil")
    page.get_by_test_id("areas-nav").locator('a[href="/admin/items"]').click()
    items = ItemsListPage(page)
    expect(page).to_have_url(re.compile(r"/admin/items$"))
    expect(items.rows).to_have_count(50)
    items.loaded_once()

    items.filter_by("state", "available")
    expect(items.count).to_contain_text(str(len(tags)))
    expect(items.rows.first).to_contain_text(tags[0])
    expect(items.rows).to_have_count(50)
    items.screenshot(screenshot_dir, "items-list")

    shown: list[str] = []
    for number in range(1, -(-len(tags) // 50) + 1):
        expect(page).to_have_url(re.compile(r"state=available"))
        rows = items.rows
        expect(rows).to_have_count(min(50, len(tags) - 50 * (number - 1)))
        shown += [t.strip() for t in page.get_by_test_id("items-tag").all_inner_texts()]
        if number * 50 < len(tags):
            items.go_to_next_page()
            expect(page).to_have_url(re.compile(rf"page={number + 1}"))
    expect(items.next_page).to_have_count(0)
    assert shown == tags  # every available item once, in tag order, over the pages
    assert items.still_the_same_document()  # htmx swapped the table: no page load

    page.get_by_test_id("items-tag").first.click()
    expect(page).to_have_url(re.compile(r"/i/ESN-"))
    expect(page.locator("p.state")).to_have_text("disponible")


def test_the_items_list_works_without_javascript_and_fits_a_tablet(
        browser, live_server, screenshot_dir):
    context = browser.new_context(base_url=live_server.base_url, locale="fr-FR",
                                  java_script_enabled=False, viewport=TABLET)
    try:
        page = context.new_page()
        sign_in(page, live_server, "accueil")
        items = ItemsListPage(page).open("state=available&kind=laptop")
        laptops = live_server.query(
            "SELECT COUNT(*) AS n FROM item WHERE state = 'available' AND kind = 'laptop'")
        expect(items.rows).to_have_count(min(50, laptops[0]["n"]))
        page.get_by_test_id("items-grade").select_option("A")
        with page.expect_navigation():
            page.get_by_test_id("items-apply").click()
        expect(page).to_have_url(re.compile(r"grade=A(&|$)"))
        graded = live_server.query(
            "SELECT COUNT(*) AS n FROM item WHERE state = 'available' AND kind = 'laptop' "
            "AND cosmetic_grade = 'A'")
        expect(items.rows).to_have_count(min(50, graded[0]["n"]))
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        items.screenshot(screenshot_dir, "items-list-tablet")
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/admin/items", "/admin/sites", "/admin/users",
                                  "/admin/imports"])
def test_the_back_office_pages_fit_a_tablet_without_sideways_scrolling(
        browser, live_server, screenshot_dir, path):
    context = browser.new_context(base_url=live_server.base_url, locale="fr-FR",
                                  extra_http_headers={"Accept-Language": "fr-FR"},
                                  viewport=TABLET)
    try:
        page = context.new_page()
        sign_in(page, live_server, "admin")
        answer = page.goto(path)
        assert answer.status == 200
        assert page.evaluate(NO_SIDEWAYS_SCROLL), path
        if path != "/admin/items":
            page.screenshot(path=str(screenshot_dir / f"admin-{path.rsplit('/', 1)[1]}.png"),
                            full_page=True)
    finally:
        context.close()
