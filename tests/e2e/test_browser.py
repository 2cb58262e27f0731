"""The main screens in a real browser (headless Chromium) against a real server process.

End to end: ``inventory serve`` runs in a subprocess on a throw-away SQLite database loaded
with ``inventory demo``, so these tests use SQLite only; the database-level tests cover
PostgreSQL. Screenshots of the main pages go to var/test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from inventory.domain.tags import encode
from tests.e2e.conftest import require_playwright

expect = require_playwright()

from tests.e2e.pages import DeskPage, ItemPage, LendPage, LoginPage, PortalPage, ReturnPage

pytestmark = pytest.mark.e2e


def sign_in(page, live_server, username: str) -> None:
    LoginPage(page).open().sign_in(username, live_server.accounts[username])
    expect(page).not_to_have_url(re.compile(r"/login"))


TAKEN: set[str] = set()  # people and items a test has lent: never picked twice


def an_available(live_server, kind: str = "laptop", take: bool = True) -> str:
    """The tag of a lendable item of ``kind`` at the desk's own site (AUB) that no other test
    took, so that the tests do not depend on one another."""
    rows = live_server.query(
        "SELECT i.tag FROM item i JOIN site s ON s.id = i.site WHERE i.kind = ? "
        "AND i.state IN ('available', 'in_stock') AND s.code = 'AUB' ORDER BY i.id", kind)
    free = [r["tag"] for r in rows if r["tag"] not in TAKEN]
    assert free, f"the demo has no lendable {kind} at AUB left"
    if take:
        TAKEN.add(free[0])
    return free[0]


def an_eligible_person(live_server, kind: str):
    """A person not taken yet, followed at the desk's site (AUB) with a valid decision that covers
    ``kind`` (number, last name)."""
    rows = live_server.query(
        "SELECT b.number, b.last_name FROM beneficiary b "
        "JOIN eligibility_decision d ON d.beneficiary = b.id JOIN site s ON s.id = b.site "
        "WHERE s.code = 'AUB' AND d.eligible AND d.revoked_at IS NULL "
        "AND d.valid_until >= date('now') AND d.covers LIKE ? ORDER BY b.id", f'%"{kind}"%')
    free = [r for r in rows if r["number"] not in TAKEN]
    assert free, f"the demo has no one left at AUB whose decision covers {kind}"
    TAKEN.add(free[0]["number"])
    return free[0]


def lend_at_the_desk(page, live_server, kind: str) -> tuple[LendPage, str]:
    """Sign in at the desk and lend an item of ``kind`` to a person whose decision covers it;
    returns the confirmation page and the tag lent."""
    person, tag = an_eligible_person(live_server, kind), an_available(live_server, kind)
    sign_in(page, live_server, "accueil")
    lend = LendPage(page).open()
    lend.choose_person(person["last_name"], person["number"])
    verdict = page.get_by_test_id("lend-eligibility").locator(".verdict")
    expect(verdict).to_have_class(re.compile(r"\btone-ok\b"))  # "can borrow"
    lend.add_tag(tag)
    expect(lend.lines).to_have_count(1)
    expect(lend.lines.first).to_contain_text(tag)
    lend.submit()
    expect(lend.confirmation).to_be_visible()
    expect(lend.confirmation).to_contain_text(person["number"])
    return lend, tag


def test_a_wrong_password_shows_the_error_in_french_and_keeps_the_username(page, live_server):
    login = LoginPage(page).open()
    login.sign_in("accueil", "not-the-password")
    expect(login.alert).to_have_text("Identifiant ou mot de passe incorrect.")
    expect(page.get_by_label("Identifiant")).to_have_value("accueil")
    expect(page).to_have_url(re.compile(r"/login"))


def test_the_right_password_lands_on_the_desk_with_the_name_and_role(page, live_server,
                                                                    screenshot_dir):
    LoginPage(page).open().sign_in("accueil", live_server.accounts["accueil"])
    desk = DeskPage(page)
    expect(page).to_have_url(re.compile(r"/desk$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Accueil")
    expect(desk.who).to_contain_text("Karim Benali")
    expect(desk.who).to_contain_text("accueil")  # the role, in French
    desk.expect_ready()
    desk.screenshot(screenshot_dir, "desk")


def test_a_scanned_code_opens_the_item_page_with_its_state_in_words(page, live_server,
                                                                   screenshot_dir):
    tag = an_available(live_server, take=False)
    sign_in(page, live_server, "accueil")
    desk = DeskPage(page).open()
    desk.scan(tag.lower().replace("-", ""))  # as a reader may send it: case and dashes lost
    item = ItemPage(page)
    expect(page).to_have_url(re.compile(rf"/i/{re.escape(tag)}$"))
    expect(item.heading).to_contain_text(tag)
    expect(item.state).to_have_text("disponible")
    expect(page.get_by_role("heading", name="Historique")).to_be_visible()
    item.screenshot(screenshot_dir, "item")


def test_an_unknown_code_shows_the_message_and_the_box_is_ready_for_the_next_scan(
        page, live_server):
    unknown, known = encode("ESN", 999_999), an_available(live_server, take=False)
    sign_in(page, live_server, "accueil")
    desk = DeskPage(page).open()
    desk.scan(unknown)
    expect(desk.alert).to_have_text(f"Aucun article avec le n° d’inventaire « {unknown} ».")
    desk.expect_ready()
    page.keyboard.type(known)  # no click: the reader's next scan goes straight in
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/i/{re.escape(known)}$"))


def numbers_of_org(live_server, org_name: str) -> set[str]:
    rows = live_server.query(
        "SELECT b.number FROM beneficiary b JOIN partner_org o ON o.id = b.partner_org "
        "WHERE o.name = ?", org_name)
    return {r["number"] for r in rows}


def test_a_social_worker_sees_only_the_people_of_their_own_organisation(page, live_server,
                                                                       screenshot_dir):
    own = numbers_of_org(live_server, "CCAS de Bordeaux")
    other = numbers_of_org(live_server, "Mission locale Bordeaux Avenir Jeunes")
    assert own and other
    sign_in(page, live_server, "ccas")
    portal = PortalPage(page).open()
    expect(portal.people).to_be_visible()
    expect(portal.numbers.first).to_be_visible()
    assert set(portal.numbers.all_inner_texts()) == own
    portal.screenshot(screenshot_dir, "portal")

    foreign = sorted(other)[0]
    person = live_server.query("SELECT first_name, last_name FROM beneficiary WHERE number = ?",
                               foreign)[0]
    answer = portal.open_person(foreign)
    assert answer.status == 404
    expect(portal.alert).to_have_text(f"Aucun bénéficiaire avec le numéro « {foreign} ».")
    expect(page.locator("body")).not_to_contain_text(person["last_name"])


def test_lending_a_laptop_shows_the_reference_and_the_agreement_is_a_pdf(page, live_server,
                                                                         screenshot_dir):
    lend, tag = lend_at_the_desk(page, live_server, "laptop")
    reference = lend.reference.inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9][A-Z0-9-]{4,}", reference), reference
    expect(lend.confirmation).to_contain_text(tag)
    lend.screenshot(screenshot_dir, "lend-confirmation")
    href = lend.agreement_link.get_attribute("href")
    assert reference in href
    answer = page.request.get(href)  # with the page's session cookie
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/pdf")
    assert answer.body().startswith(b"%PDF-")
    ItemPage(page).open(tag)
    expect(ItemPage(page).state).to_have_text("prêté")


def test_a_returned_laptop_is_to_be_wiped(page, live_server, screenshot_dir):
    lend, tag = lend_at_the_desk(page, live_server, "laptop")
    reference = lend.reference.inner_text().strip()
    returns = ReturnPage(page).open()
    returns.return_item(tag)
    expect(returns.result).to_contain_text(tag)
    expect(returns.result).to_contain_text(reference)
    expect(returns.result.locator("p.state")).to_have_text("rendu, à effacer")
    returns.screenshot(screenshot_dir, "return-result")


def test_a_sim_card_handed_over_shows_its_voucher_code_once(page, live_server, screenshot_dir):
    lend, tag = lend_at_the_desk(page, live_server, "sim")
    expect(lend.voucher).to_have_count(1)
    code = lend.voucher.inner_text().strip()
    assert re.fullmatch(r"\d{14}", code), code  # the demo's vouchers: 14 digits
    expect(lend.agreement_link).to_have_count(0)  # a card is handed over, not lent back
    lend.screenshot(screenshot_dir, "card-handover")
    item = ItemPage(page).open(tag)
    expect(item.heading).to_contain_text(tag)
    expect(page.locator("body")).not_to_contain_text(code)
