"""Page objects: what a person does on each screen, in the words of the screen's job.

Elements are found by their label, role or ``data-testid`` attribute, never by layout.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect


class BasePage:
    """Any signed-in page: the header with the scan box and the user's name and role."""

    def __init__(self, page: Page) -> None:
        self.page = page

    @property
    def scan_box(self) -> Locator:
        return self.page.locator("#scan-code")

    @property
    def who(self) -> Locator:
        return self.page.locator("header .who")

    @property
    def alert(self) -> Locator:
        return self.page.get_by_role("alert")

    def scan(self, code: str) -> None:
        """Type a code into the header's scan box as a barcode reader does, then Enter."""
        self.scan_box.click()
        self.scan_box.press("Control+a")
        self.page.keyboard.type(code)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def screenshot(self, folder: Path, name: str) -> None:
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


class LoginPage(BasePage):
    def open(self, next_path: str | None = None) -> LoginPage:
        self.page.goto("/login" + (f"?next={next_path}" if next_path else ""))
        return self

    def sign_in(self, username: str, password: str) -> None:
        self.page.get_by_label("Identifiant").fill(username)
        self.page.get_by_label("Mot de passe").fill(password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Se connecter").click()


class DeskPage(BasePage):
    def open(self) -> DeskPage:
        self.page.goto("/desk")
        return self

    def expect_ready(self) -> None:
        """The scan box has the focus: the next scan needs no click."""
        expect(self.scan_box).to_be_focused()


class ItemPage(BasePage):
    def open(self, tag: str) -> ItemPage:
        self.page.goto(f"/i/{tag}")
        return self

    @property
    def state(self) -> Locator:
        return self.page.locator("p.state")

    @property
    def heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1)


class LendPage(BasePage):
    """Lend items to a person: find the person, scan the items, confirm."""

    def open(self) -> LendPage:
        self.page.goto("/lend")
        return self

    def choose_person(self, query: str, number: str) -> None:
        """Type part of the name (live search), then pick the line with the person's number."""
        self.page.get_by_test_id("lend-person-search").fill(query)
        result = self.page.get_by_test_id("lend-person-result").filter(has_text=number)
        expect(result).to_have_count(1)
        with self.page.expect_navigation():
            result.click()
        expect(self.page.get_by_test_id("lend-person")).to_contain_text(number)

    def add_tag(self, tag: str) -> None:
        """Scan an item into the list: type its tag, then Enter."""
        box = self.page.get_by_test_id("lend-tag-input")
        expect(box).to_be_focused()
        self.page.keyboard.type(tag)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    @property
    def lines(self) -> Locator:
        return self.page.get_by_test_id("lend-line")

    def submit(self) -> None:
        with self.page.expect_navigation():
            self.page.get_by_test_id("lend-submit").click()

    @property
    def confirmation(self) -> Locator:
        return self.page.get_by_test_id("lend-confirmation")

    @property
    def reference(self) -> Locator:
        return self.page.get_by_test_id("loan-reference")

    @property
    def agreement_link(self) -> Locator:
        return self.page.get_by_test_id("agreement-link")

    @property
    def voucher(self) -> Locator:
        return self.page.get_by_test_id("voucher-code")


class ReturnPage(BasePage):
    """A device brought back: scan it, check the accessories, record the return."""

    def open(self) -> ReturnPage:
        self.page.goto("/return")
        return self

    def return_item(self, tag: str) -> None:
        box = self.page.get_by_test_id("return-tag-input")
        expect(box).to_be_focused()
        self.page.keyboard.type(tag)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        with self.page.expect_navigation():
            self.page.get_by_test_id("return-submit").click()

    @property
    def result(self) -> Locator:
        return self.page.get_by_test_id("return-result")


class PortalPage(BasePage):
    def open(self) -> PortalPage:
        self.page.goto("/portal")
        return self

    @property
    def people(self) -> Locator:
        return self.page.get_by_test_id("portal-people")

    @property
    def numbers(self) -> Locator:
        return self.page.get_by_test_id("portal-person-number")

    def open_person(self, number: str):
        return self.page.goto(f"/portal/people/{number}")


class Camera:
    """The camera scanner beside a scan box (static/camera.js): by default the header's."""

    def __init__(self, page: Page, form: Locator | None = None) -> None:
        self.page = page
        self.form = form if form is not None else page.locator("form.scanbox")

    @property
    def button(self) -> Locator:
        return self.form.get_by_test_id("camera-button")

    @property
    def panel(self) -> Locator:
        """The panel the button controls (video, status line, close button)."""
        return self.page.locator(f"#{self.button.get_attribute('aria-controls')}")

    @property
    def status(self) -> Locator:
        return self.panel.get_by_test_id("camera-status")

    def open(self) -> None:
        self.button.click()
        expect(self.panel).to_be_visible()

    def start(self) -> None:
        """Click the button where a read opens another page (the scan box's "once" mode): the
        fake camera can read its label before the panel is seen, so nothing is asserted about
        the panel; the test expects the page the read leads to."""
        self.button.click()

    def close(self) -> None:
        self.panel.get_by_test_id("camera-close").click()
        expect(self.panel).to_be_hidden()

    def expect_status(self, state: str) -> None:
        """The status line says ``state`` (starting, ready, read, denied, missing, …) in the
        page's words, those of templates/_camera.html."""
        expect(self.status).to_have_attribute("data-state", state)
        words = self.page.locator("#camera-ui").get_attribute(f"data-{state}")
        assert words
        if state != "read":
            expect(self.status).to_have_text(words)

    def is_filming(self) -> bool:
        """A live camera stream plays in the panel's video."""
        return self.panel.locator("video").evaluate(
            "v => !!v.srcObject && v.srcObject.getVideoTracks().some(t => t.readyState === 'live')")


class ReportsPage(BasePage):
    """The coordinators' dashboard: choose a period and a site, read the figures, export."""

    def open(self, query: str = "") -> ReportsPage:
        self.page.goto("/reports" + (f"?{query}" if query else ""))
        return self

    def choose_last_year(self) -> None:
        self.page.get_by_test_id("period-last_year").check()
        self.show()

    def choose_dates(self, start: str, end: str) -> None:
        """Pick "from one date to another" and type both dates (yyyy-mm-dd)."""
        self.page.get_by_test_id("period-custom").check()
        self.page.locator("#f-start").fill(start)
        self.page.locator("#f-end").fill(end)
        self.show()

    def show(self) -> None:
        with self.page.expect_navigation():
            self.page.get_by_test_id("report-show").click()

    @property
    def period(self) -> Locator:
        return self.page.get_by_test_id("report-period")

    @property
    def charts(self) -> Locator:
        return self.page.locator("svg.chart[role=img]")

    @property
    def pdf_link(self) -> Locator:
        return self.page.get_by_test_id("report-pdf")

    def field_error(self, name: str) -> Locator:
        return self.page.locator(f"#err-{name}")

    def scrolls_sideways(self) -> bool:
        """Whether the page is wider than the window (a horizontal scroll bar)."""
        return self.page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth")


class StocktakePage(BasePage):
    """A count of a site's shelves: start it, scan item after item, close it, read the report."""

    def open(self) -> StocktakePage:
        self.page.goto("/stocktake")
        return self

    def start(self) -> None:
        with self.page.expect_navigation():
            self.page.get_by_test_id("stocktake-start").click()
        expect(self.box).to_be_focused()

    @property
    def box(self) -> Locator:
        return self.page.get_by_test_id("stocktake-code")

    def scan(self, code: str) -> None:
        """Type a code into the count's box as a barcode reader does, then Enter: no page
        load, the box is empty and focused again at once, ready for the next item."""
        expect(self.box).to_be_focused()
        self.page.keyboard.type(code)
        self.page.keyboard.press("Enter")

    def total(self, name: str) -> Locator:
        """One of the live totals: expected, found, missing, unexpected."""
        return self.page.get_by_test_id(f"count-{name}")

    @property
    def last_scans(self) -> Locator:
        return self.page.get_by_test_id("stocktake-scan-row")

    def close(self) -> None:
        """Close the count (accepting the confirmation): the report opens."""
        self.page.once("dialog", lambda dialog: dialog.accept())
        with self.page.expect_navigation():
            self.page.get_by_test_id("stocktake-close").click()

    def section(self, which: str) -> Locator:
        """A part of the report: missing, unexpected, left or found."""
        return self.page.get_by_test_id(f"stocktake-{which}")


class ItemsListPage(BasePage):
    """The items list: filters that refresh the table in place (htmx), a pager below it."""

    def open(self, query: str = "") -> ItemsListPage:
        self.page.goto("/admin/items" + (f"?{query}" if query else ""))
        return self

    @property
    def rows(self) -> Locator:
        return self.page.get_by_test_id("items-row")

    @property
    def count(self) -> Locator:
        return self.page.get_by_test_id("items-count")

    @property
    def next_page(self) -> Locator:
        return self.page.get_by_test_id("pager-next")

    def filter_by(self, name: str, value: str) -> None:
        """Choose a value in one filter's list; the table is swapped without a page load."""
        with self.page.expect_response(lambda r: "/admin/items" in r.url):
            self.page.get_by_test_id(f"items-{name}").select_option(value)
        expect(self.page).to_have_url(re.compile(rf"[?&]{name}={re.escape(value)}"))

    def go_to_next_page(self) -> None:
        with self.page.expect_response(lambda r: "/admin/items" in r.url):
            self.next_page.click()

    def loaded_once(self) -> None:
        """Mark the document: a full page load would lose the mark, an htmx swap keeps it."""
        self.page.evaluate("() => { window.itemsListMark = 'kept'; }")

    def still_the_same_document(self) -> bool:
        return self.page.evaluate("() => window.itemsListMark === 'kept'")


class RemindersPage(BasePage):
    """The late loans of the desk, each with a button to send its reminder now."""

    def open(self) -> RemindersPage:
        self.page.goto("/reminders")
        return self

    def row(self, reference: str) -> Locator:
        return self.page.locator(
            f'[data-testid="reminder-row"][data-reference="{reference}"]')

    def references(self) -> list[str]:
        rows = self.page.get_by_test_id("reminder-row")
        return [rows.nth(n).get_attribute("data-reference") for n in range(rows.count())]

    def send(self, reference: str) -> Locator:
        """Press the row's button; the row comes back with what happened (htmx, no reload)."""
        self.row(reference).get_by_test_id("reminder-send").get_by_role("button").click()
        return self.row(reference).get_by_test_id("reminder-outcome")
