"""The dashboard page and the period report PDF through HTTP, on both databases: managers only,
a period form whose mistakes are shown next to the field, and a PDF in one click."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack

import pytest

from inventory.i18n import gettext_for
from inventory.web.forms import NOT_DATE
from inventory.domain.reports import END_BEFORE_START, NOT_A_DATE, OUT_OF_RANGE, TOO_LONG
from inventory.web.reports import BAD_QUARTER, UNKNOWN_SITE
from inventory.db.tables import PartnerOrg
from tests.integration.people_world import build_world
from tests.integration.test_loans_api import available, eligible, lend
from tests.unit.test_documents import text_of

FR = gettext_for("fr")
HOSTILE = "<script>alert(1)</script>"
YEAR_2026 = "start=2026-01-01&end=2026-12-31"


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


@pytest.mark.parametrize("manager", ["coordinator", "admin"])
async def test_a_manager_sees_the_dashboard_with_its_charts_and_export_links(world, manager):
    page = await world.callers[manager].get("/reports")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert 'href="/reports"' in html  # the "Reports" link of the header
    assert html.count('role="img"') >= 4 and "style=" not in html
    assert 'data-testid="report-pdf"' in html and "/reports/period.pdf?start=" in html
    assert "/api/v1/reports/summary.csv?start=" in html


async def test_a_period_of_last_year_and_one_site_is_named_in_the_links(world):
    page = await world.coordinator.get("/reports?period=custom&start=2025-01-01"
                                       "&end=2025-12-31&site=BAC")
    assert page.status_code == 200, page.text
    assert "Bacalan" in page.text
    assert "/reports/period.pdf?start=2025-01-01&amp;end=2025-12-31&amp;site=BAC" in page.text


async def test_a_quarter_is_three_months(world):
    page = await world.coordinator.get("/reports?period=quarter&quarter=2026-Q2")
    assert page.status_code == 200, page.text
    assert "start=2026-04-01&amp;end=2026-06-30" in page.text


@pytest.mark.parametrize("role", ["desk_aub", "sw_a", "technician"])
@pytest.mark.parametrize("url", ["/reports", f"/reports/period.pdf?{YEAR_2026}"])
async def test_people_who_do_not_manage_cannot_see_the_reports(world, role, url):
    assert (await world.callers[role].get(url)).status_code == 403
    desk = await world.callers[role].get("/desk", follow_redirects=True)
    assert 'href="/reports"' not in desk.text


@pytest.mark.parametrize(("query", "field", "message"), [
    ("period=custom&start=2026-02-30&end=2026-12-31", "start", NOT_DATE),
    ("period=custom&start=&end=2026-12-31", "start", "This field is required."),
    ("period=custom&start=2026-06-30&end=2026-01-01", "end", END_BEFORE_START),
    ("period=custom&start=2001-01-01&end=2026-12-31", "end", TOO_LONG),
    ("period=custom&start=1990-01-01&end=1990-12-31", "start", OUT_OF_RANGE),
    ("period=quarter&quarter=2026-Q5", "quarter", BAD_QUARTER),
    ("period=year&site=XYZ", "site", UNKNOWN_SITE),
])
async def test_a_wrong_period_is_explained_next_to_its_field(world, query, field, message):
    page = await world.coordinator.get(f"/reports?{query}")
    assert page.status_code == 422
    assert f'id="err-{field}"' in page.text
    assert FR(message).replace("'", "&#39;") in page.text
    assert 'data-testid="report-period"' not in page.text  # no figures for a wrong period


async def test_the_period_report_is_a_pdf_for_the_association_and_the_period(world):
    answer = await world.coordinator.get(f"/reports/period.pdf?{YEAR_2026}&site=AUB")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store"
    assert 'filename="rapport-2026-01-01-2026-12-31-AUB.pdf"' in (
        answer.headers["content-disposition"])
    text = text_of(answer.content)
    assert "Rapport d’activité" in text and "du 1er janvier 2026 au 31 décembre 2026" in text
    assert "Les Aubiers" in text


@pytest.mark.parametrize(("query", "message"), [
    ("start=2026-13-01&end=2026-12-31", FR(NOT_A_DATE).format(value="2026-13-01")),
    ("start=2026-12-31&end=2026-01-01", FR(END_BEFORE_START)),
    ("start=1999-12-31&end=2000-12-31", FR(OUT_OF_RANGE)),
])
async def test_a_pdf_asked_for_a_wrong_period_is_refused_with_the_reason(world, query, message):
    answer = await world.coordinator.get(f"/reports/period.pdf?{query}")
    assert answer.status_code == 422
    assert answer.json()["detail"] == message
    page = await world.coordinator.get(f"/reports/period.pdf?{query}",
                                       headers={"accept": "text/html"})
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]


async def test_a_pdf_for_an_unknown_site_is_not_found(world):
    answer = await world.coordinator.get(f"/reports/period.pdf?{YEAR_2026}&site=NOPE")
    assert answer.status_code == 404


async def test_a_pdf_with_only_a_start_runs_to_the_end_of_that_year(world):
    answer = await world.coordinator.get("/reports/period.pdf?start=2026-04-01")
    assert answer.status_code == 200
    assert "du 1er avril 2026 au 31 décembre 2026" in text_of(answer.content)


async def test_a_loan_today_shows_on_the_page_and_is_hidden_as_a_small_count_in_the_pdf(world):
    await PartnerOrg.update({PartnerOrg.name: HOSTILE}).where(PartnerOrg.id == world.org_a)
    number = await eligible(world)
    assert (await lend(world.desk_aub, number, await available())).status_code == 201
    page = await world.coordinator.get("/reports")
    assert page.status_code == 200
    html = page.text
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert figure(html, "fig-people") == "1"  # the one person, counted on the page
    assert figure(html, "fig-loans-started") == "1"
    pdf = await world.coordinator.get(f"/reports/period.pdf?{page_query(html)}")
    text = text_of(pdf.content)
    assert "Personnes accompagnées sur la période s" in text  # one person: hidden
    referrals = text[text.index("Orientations par structure partenaire"):]
    assert f"{HOSTILE} 1" not in referrals and " s" in referrals  # one referral: hidden
    assert "Prêts commencés sur la période 1" in text  # loans are not people: shown


def figure(html: str, testid: str) -> str:
    """The number shown in one tile of the page."""
    return re.search(rf'data-testid="{testid}"><dt>[^<]*</dt><dd>([^<]*)</dd>', html)[1]


def page_query(html: str) -> str:
    """The query string of the page's PDF link."""
    link = html[html.index("/reports/period.pdf?") + len("/reports/period.pdf?"):]
    return link[:link.index('"')].replace("&amp;", "&")
