"""Page objects: what a person does on each screen, in the words of the screen's job.

Elements are found by their label, role or ``data-testid`` attribute, never by layout.
"""

from __future__ import annotations

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
