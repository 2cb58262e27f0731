"""The reminders page in a real browser: the button sends the reminder and the row alone
says what happened (the server's sender is the console one of the demo)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import require_playwright

expect = require_playwright()

from tests.e2e.pages import RemindersPage  # noqa: E402
from tests.e2e.test_browser import sign_in  # noqa: E402

pytestmark = pytest.mark.e2e


def test_a_reminder_sent_from_the_row_says_so_in_the_row_and_a_second_is_refused(
        page, live_server, screenshot_dir):
    sign_in(page, live_server, "accueil")
    reminders = RemindersPage(page).open()
    reference = next(r for r in reminders.references()
                     if reminders.row(r).get_by_text(re.compile("portable|mobile")).count())
    page.evaluate("window.__same_page = true")  # gone if the page were reloaded
    outcome = reminders.send(reference)
    expect(outcome).to_contain_text("SMS")
    expect(outcome).to_have_attribute("role", "status")
    assert page.evaluate("window.__same_page === true"), "htmx swapped the row in place"
    again = reminders.send(reference)
    expect(again).to_have_attribute("role", "alert")
    expect(again).to_contain_text(re.compile(r"\d\d:\d\d"))
    reminders.screenshot(screenshot_dir, "reminders-sent")
