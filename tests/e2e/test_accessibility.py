"""Accessibility of the main pages in a real browser: axe-core's WCAG 2.1 A and AA rules (no
violation of impact serious or critical), no sideways scrolling on a 1366×768 desk screen nor
on a 10-inch tablet (800×1280), touch targets of at least 44 px, and a loan lent and taken back
with the keyboard alone. Screenshots go to var/test-artifacts/screenshots/ (a11y-*.png).

axe-core is vendored for the tests only (tests/e2e/vendor/, ``make vendor``) and injected into
the page by Playwright, which the page's CSP does not apply to.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import require_playwright

expect = require_playwright()

from tests.e2e.pages import ItemPage, LendPage, LoginPage, ReturnPage
from tests.e2e.test_browser import an_available, an_eligible_person, lend_at_the_desk, sign_in

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
DESK = {"width": 1366, "height": 768}
TABLET = {"width": 800, "height": 1280}
TOUCH = 44  # px: WCAG 2.5.5's size, the one the stylesheet aims at

RUN_AXE = """async tags => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
}"""
# Elements wider than the window: what makes the page scroll sideways.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .slice(0, 6).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                          + (e.className ? '.' + String(e.className).replace(/ /g, '.') : ''));
}"""
# Buttons, button-like links, fields and menus shorter than a finger (links inside a sentence
# excepted: WCAG allows them, and a line of text cannot be 44 px high).
SMALL_TARGETS = """min => [...document.querySelectorAll(
    'button, a.button, .areas a, .tabs a, input:not([type=hidden]), select')]
  .filter(e => e.offsetParent !== null && !e.closest('template'))
  .filter(e => { const box = e.type === 'checkbox' || e.type === 'radio' ? e.closest('label') : e;
                 return (box || e).getBoundingClientRect().height < min - 0.5; })
  .map(e => e.outerHTML.slice(0, 90))"""


def violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations of serious or critical impact on the page."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return [v for v in page.evaluate(RUN_AXE, WCAG_21_AA) if v["impact"] in BLOCKING]


def report(found: list[dict]) -> str:
    return "\n".join(f"{v['impact']} {v['id']} ({v['help']}):\n    " + "\n    ".join(v["nodes"])
                     for v in found)


def check_accessible(page, name: str) -> None:
    found = violations(page)
    assert not found, f"{name} ({page.url}):\n{report(found)}"
    small = page.evaluate(SMALL_TARGETS, TOUCH)
    assert not small, f"{name}: targets under {TOUCH} px: {small}"


def check_fits(page, name: str, screenshot_dir: Path) -> None:
    """No sideways scroll at the desk's size then at the tablet's; a screenshot of each."""
    for size in (DESK, TABLET):
        page.set_viewport_size(size)
        wide = page.evaluate(OVERFLOW)
        assert not wide, f"{name} scrolls sideways at {size['width']}×{size['height']}: {wide}"
        page.screenshot(path=str(screenshot_dir / f"a11y-{name}-{size['width']}x{size['height']}"
                                                  ".png"), full_page=True)
    page.set_viewport_size(DESK)


def check_both(page, name: str, screenshot_dir: Path) -> None:
    check_accessible(page, name)
    check_fits(page, name, screenshot_dir)


def a_person_of(live_server, org: str) -> str:
    return live_server.query(
        "SELECT b.number FROM beneficiary b JOIN partner_org o ON o.id = b.partner_org "
        "WHERE o.name = ? ORDER BY b.id", org)[0]["number"]


# The pages that show without changing anything: who looks at them, and where.
PAGES: dict[str, tuple[str | None, Callable[[object], str]]] = {
    "login": (None, lambda ls: "/login"),
    "desk": ("accueil", lambda ls: "/desk"),
    "item": ("accueil", lambda ls: f"/i/{an_available(ls, take=False)}"),
    "lend-search": ("accueil", lambda ls: "/lend?q=a"),
    "return-scan": ("accueil", lambda ls: "/return"),
    "reminders": ("accueil", lambda ls: "/reminders"),
    "portal-people": ("ccas", lambda ls: "/portal"),
    "portal-person": ("ccas", lambda ls: f"/portal/people/{a_person_of(ls, 'CCAS de Bordeaux')}"),
    "portal-refer": ("ccas", lambda ls: "/portal/refer"),
    "workshop": ("technicien", lambda ls: "/workshop"),
    "labels": ("admin", lambda ls: "/labels"),
    "admin-orgs": ("admin", lambda ls: "/admin"),
    "admin-ruleset": ("admin", lambda ls: "/admin/ruleset"),
}


@pytest.fixture
def visit(page, live_server):
    """Open one of PAGES, signed in as the one who uses it."""

    def go(name: str):
        username, where = PAGES[name]
        if username:
            sign_in(page, live_server, username)
        answer = page.goto(where(live_server))
        assert answer.status == 200, (name, answer.status)
        page.wait_for_load_state("networkidle")  # htmx fragments (live rule feedback) in place
        return page

    return go


def test_the_checks_see_a_violation_a_small_target_and_a_sideways_scroll(page):
    """The harness itself: a page with faults (on about:blank, where no CSP stops the inline
    styles) fails each check."""
    page.set_content('<html lang="fr"><body><main><h1>x</h1>'
                     '<p style="color:#aaa;background:#fff">pale</p><img src="/x.png">'
                     '<button style="min-height:20px;height:20px">b</button>'
                     '<div style="width:3000px">wide</div></main></body></html>')
    assert {v["id"] for v in violations(page)} >= {"color-contrast", "image-alt"}
    assert page.evaluate(SMALL_TARGETS, TOUCH)
    assert page.evaluate(OVERFLOW)


@pytest.mark.parametrize("name", PAGES)
def test_the_page_has_no_serious_wcag_violation_and_large_targets(visit, name):
    check_accessible(visit(name), name)


@pytest.mark.parametrize("name", PAGES)
def test_the_page_needs_no_sideways_scroll_on_a_desk_screen_or_a_tablet(visit, name,
                                                                          screenshot_dir):
    check_fits(visit(name), name, screenshot_dir)


def test_the_lend_and_return_steps_are_accessible_and_fit_the_screens(page, live_server,
                                                                      screenshot_dir):
    """Each step of a loan and of its return (these pages exist only along the way)."""
    # Tablets: the laptops and SIM cards of the demo are for test_browser.
    person, tag = an_eligible_person(live_server, "tablet"), an_available(live_server, "tablet")
    sign_in(page, live_server, "accueil")
    lend = LendPage(page).open()
    lend.choose_person(person["last_name"], person["number"])
    lend.add_tag(tag)
    check_both(page, "lend-items", screenshot_dir)
    lend.submit()
    expect(lend.confirmation).to_be_visible()
    check_both(page, "lend-done", screenshot_dir)
    page.goto(f"/return?tag={tag}")
    expect(page.get_by_test_id("return-form")).to_be_visible()
    check_both(page, "return-form", screenshot_dir)
    with page.expect_navigation():
        page.get_by_test_id("return-submit").click()
    expect(ReturnPage(page).result).to_be_visible()
    check_both(page, "return-done", screenshot_dir)


def test_the_card_handover_is_accessible_and_fits_the_screens(page, live_server,
                                                              screenshot_dir):
    lend_at_the_desk(page, live_server, "data_card")  # its voucher code shows once
    check_both(page, "card-handover", screenshot_dir)


# --- The keyboard alone --------------------------------------------------------------------

def focused(locator) -> bool:
    return locator.evaluate("e => e === document.activeElement")


def tab_to(page, target, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus; it must show that it has it (outline)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(target):
            ring = target.evaluate("e => { const s = getComputedStyle(e); return "
                                   "s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 }")
            assert ring, f"no visible focus on {target}"
            return
    raise AssertionError(f"{target} not reached with {limit} Tab presses")


def test_lending_and_taking_back_with_the_keyboard_alone(page, live_server, screenshot_dir):
    person = an_eligible_person(live_server, "smartphone")
    tag = an_available(live_server, "smartphone")
    LoginPage(page).open()
    expect(page.get_by_label("Identifiant")).to_be_focused()
    page.keyboard.type("accueil")
    page.keyboard.press("Tab")
    page.keyboard.type(live_server.accounts["accueil"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    with page.expect_navigation():
        tab_to(page, page.get_by_test_id("desk-lend"))
        page.keyboard.press("Enter")

    # The search box has the focus; results come live (and are replaced as the name grows:
    # wait for those of the whole name before moving into them).
    with page.expect_response(lambda answer: urlsplit(answer.url).path == "/lend/people" and
                              parse_qs(urlsplit(answer.url).query).get("q") == [
                                  person["last_name"]]):
        page.keyboard.type(person["last_name"])
    result = page.get_by_test_id("lend-person-result").filter(has_text=person["number"])
    expect(result).to_have_count(1)
    with page.expect_navigation():
        tab_to(page, result)
        page.keyboard.press("Enter")
    lend = LendPage(page)
    lend.add_tag(tag)  # typed into the focused box, then Enter
    expect(lend.lines).to_have_count(1)
    first_accessory = lend.lines.first.locator("input[type=checkbox]").first
    tab_to(page, first_accessory)
    page.keyboard.press("Space")  # it stays at the desk
    expect(first_accessory).not_to_be_checked()
    with page.expect_navigation():
        tab_to(page, page.get_by_test_id("lend-submit"))
        page.keyboard.press("Space")
    expect(lend.confirmation).to_contain_text(person["number"])
    lend.screenshot(screenshot_dir, "a11y-keyboard-lent")

    expect(lend.scan_box).to_be_focused()  # the header's, ready for the next scan
    page.keyboard.type(tag)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(ItemPage(page).state).to_have_text("prêté")
    with page.expect_navigation():
        tab_to(page, page.get_by_test_id("item-return"))
        page.keyboard.press("Enter")
    # The accessories that went out are ticked as back: Space unticks one, then ticks it again.
    box = page.get_by_test_id("return-form").locator("input[type=checkbox]").first
    expect(box).to_be_checked()
    tab_to(page, box)
    page.keyboard.press("Space")
    expect(box).not_to_be_checked()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    with page.expect_navigation():
        tab_to(page, page.get_by_test_id("return-submit"))
        page.keyboard.press("Enter")
    returns = ReturnPage(page)
    expect(returns.result).to_contain_text(tag)
    expect(returns.result.locator("p.state")).to_have_text("rendu, à effacer")
    expect(page.get_by_test_id("return-missing")).to_have_count(0)
    returns.screenshot(screenshot_dir, "a11y-keyboard-returned")


def test_the_label_preview_is_accessible_and_fits_the_screens(page, live_server,
                                                              screenshot_dir):
    """The preview of a print: the first label's image and the map of the first sheet."""
    tags = [an_available(live_server, "desktop", take=False)]
    sign_in(page, live_server, "admin")
    page.goto("/labels")
    page.locator("#f-tags").fill(", ".join(tags))
    page.locator("#f-start_at").fill("4")
    page.get_by_test_id("labels-preview-button").click()
    expect(page.get_by_test_id("labels-preview")).to_be_visible()
    expect(page.locator('[data-cell="printed"]')).to_have_count(1)
    expect(page.locator('[data-cell="used"]')).to_have_count(3)
    first = page.get_by_test_id("labels-preview-first")
    expect(first).to_be_visible()
    assert page.evaluate("img => img.naturalWidth > 0", first.element_handle()), \
        "the first label's SVG loads under the page's CSP"
    check_both(page, "labels-preview", screenshot_dir)
