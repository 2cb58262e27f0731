"""The coordinators' dashboard page and the one-click period report PDF for funders."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get

from inventory.db.tables import Site
from inventory.documents.period_report import PeriodReportData, render_period_report_async
from inventory.documents.render import prepare_in_background
from inventory.documents.report_figures import (
    Numbers, device_stacks, people_bars, shown_rows, translated,
)
from inventory.domain import reports as rules
from inventory.domain.errors import Gettext, InvalidInput, N_
from inventory.domain.reports import Dashboard, Period
from inventory.i18n import negotiate
from inventory.services import reports as reports_svc
from inventory.services.common import today
from inventory.web.forms import FormReader
from inventory.web.pages import render
from inventory.web.portal import gettext_of

QUARTERS_SHOWN = 8
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
BAD_QUARTER = N_("Choose a quarter from the list.")
UNKNOWN_SITE = N_("Choose a site from the list.")
DIMENSION_LABELS = {
    "site": N_("By site"), "commune": N_("By commune"),
    "priority_area": N_("By priority neighbourhood"), "age_band": N_("By decade of birth"),
    "situation": N_("By social situation"), "partner_org": N_("By partner organisation"),
}
# The CSV tables of the reports API, one link each on the page (then one per breakdown).
CSV_TABLES = {"summary": N_("Key figures"), "devices": N_("Devices by state"),
              "devices-by-site": N_("Devices by site and state"),
              "referrals": N_("Referrals per partner organisation")}
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def recent_quarters(day: date, count: int = QUARTERS_SHOWN) -> list[tuple[str, int, int]]:
    """(value, year, quarter) of the quarter of ``day`` and the ones before, newest first."""
    year, number = day.year, (day.month - 1) // 3 + 1
    found = []
    for _i in range(count):
        found.append((f"{year}-Q{number}", year, number))
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
    return found


def read_period(form: FormReader, day: date) -> Period | None:
    """The period the form asks for (this year when it asks nothing); None with ``form.errors``
    filled, each problem under its field."""
    choice = str(form.data.get("period") or "year")
    try:
        if choice == "last_year":
            return rules.calendar_year(day.year - 1)
        if choice == "quarter":
            match = QUARTER.match(str(form.data.get("quarter") or ""))
            if not match:
                form.fail("quarter", BAD_QUARTER)
                return None
            return rules.quarter(int(match[1]), int(match[2]))
    except InvalidInput as exc:
        form.fail_with("quarter", exc)
        return None
    if choice == "custom":
        return checked_period(form)
    return rules.calendar_year(day.year)


def checked_period(form: FormReader) -> Period | None:
    """The ``start`` and ``end`` dates typed in the form, checked by ``rules.check_period``;
    a problem of order or length is shown under the end date."""
    start, end = form.day("start"), form.day("end")
    if start is None or end is None:
        return None
    try:
        return rules.check_period(Period(start, end))
    except InvalidInput as exc:
        outside = not rules.FIRST_DAY <= start <= rules.LAST_DAY
        form.fail_with("start" if outside else "end", exc)
        return None


def read_site(form: FormReader, sites: list[dict[str, Any]]) -> str | None:
    """The chosen site's code, None for every site; an unknown code is an error on the field."""
    code = str(form.data.get("site") or "").strip()
    if not code:
        return None
    if code not in {s["code"] for s in sites}:
        form.fail("site", UNKNOWN_SITE)
        return None
    return code


def report_query(period: Period, site_code: str | None) -> str:
    """The query string naming one report, for the PDF and CSV links."""
    query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if site_code:
        query["site"] = site_code
    return urlencode(query)


def figures_context(board: Dashboard, _: Gettext) -> dict[str, Any]:
    """Chart and table values of the page, labels translated. Counts are shown as they are:
    the page is for the association's managers; the exports hide small counts."""
    series, stacks = device_stacks(board, _)
    breakdowns = []
    for breakdown in board.breakdowns:
        rows = shown_rows(breakdown, _)
        breakdowns.append({"dimension": breakdown.dimension, "rows": rows,
                           "bars": people_bars(rows),
                           "title": _(DIMENSION_LABELS.get(breakdown.dimension,
                                                           breakdown.dimension))})
    return {"devices_by_state": translated(board.devices_by_state, _), "series": series,
            "stacks": stacks, "referrals": board.referrals_by_partner,
            "breakdowns": breakdowns}


async def _sites() -> list[dict[str, Any]]:
    return await Site.select(Site.code, Site.name).order_by(Site.name)


def _site_name(sites: list[dict[str, Any]], code: str | None) -> str | None:
    return next((s["name"] for s in sites if s["code"] == code), None)


class ReportPageController(Controller):
    path = "/reports"
    include_in_schema = False

    @get("/", opt={"permission": "reports.read"})
    async def dashboard_page(self, request: Request) -> Response:
        """The period form and, when it is valid, every figure of the period."""
        prepare_in_background()  # for the period report's PDF
        _ = gettext_of(request)
        form = FormReader(request.query_params, _)
        day, sites = today(), await _sites()
        period, site_code = read_period(form, day), read_site(form, sites)
        locale = negotiate(request.headers.get("accept-language"), request.user.locale)
        context: dict[str, Any] = {
            "form": form.data,
            "errors": form.errors, "sites": sites, "quarters": recent_quarters(day),
            "this_year": day.year, "board": None,
            **Numbers(BABEL_LOCALES.get(locale, "fr_FR")).context()}
        if form.errors or period is None:
            return render(request, "reports/dashboard.html", status=422, **context)
        context["board"] = board = await reports_svc.dashboard(
            request.user, period, site_code, goal=request.app.state.settings.goal_autonomous)
        query = report_query(period, site_code)
        return render(request, "reports/dashboard.html", site_name=_site_name(sites, site_code),
                      pdf_url=f"/reports/period.pdf?{query}",
                      csv_links=[(t, _(label), f"/api/v1/reports/{t}.csv?{query}")
                                 for t, label in csv_tables(board)],
                      **context, **figures_context(board, _))

    @get("/period.pdf", opt={"permission": "reports.read"})
    async def period_pdf(self, request: Request) -> Response:
        """The period report as a PDF to download (start, end and site in the query)."""
        query = request.query_params
        period = rules.parse_period(query.get("start", "")[:40], query.get("end", "")[:40],
                                    today())
        site_code = query.get("site", "").strip()[:20] or None
        board = await reports_svc.dashboard(  # 404: no site
            request.user, period, site_code, goal=request.app.state.settings.goal_autonomous)
        sites = await _sites()
        settings = request.app.state.settings
        pdf = await render_period_report_async(PeriodReportData(
            association=settings.association_name, dashboard=board,
            site_name=_site_name(sites, site_code), generated_on=today()))
        suffix = "-" + re.sub(r"[^A-Za-z0-9_-]", "", site_code) if site_code else ""
        name = f"rapport-{period.start}-{period.end}{suffix}.pdf"
        return Response(pdf, media_type="application/pdf", headers={
            "content-disposition": f'attachment; filename="{name}"',
            "x-content-type-options": "nosniff"})


def csv_tables(board: Dashboard) -> list[tuple[str, str]]:
    """(name, label msgid) of the CSV tables of a report: the fixed ones, one per breakdown."""
    return [*CSV_TABLES.items(), *((f"breakdown-{b.dimension.replace('_', '-')}",
                                    DIMENSION_LABELS.get(b.dimension, b.dimension))
                                   for b in board.breakdowns)]
