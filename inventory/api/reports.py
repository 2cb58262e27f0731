"""JSON and CSV API of the reports: the dashboard of a period, and each of its tables as CSV."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery, PathParameter, QueryParameter
from msgspec import Struct

from inventory.api.errors import locale_of
from inventory.domain import report_tables
from inventory.domain.errors import Gettext, NotFound
from inventory.domain.lifecycle import STATE_LABELS
from inventory.domain.reports import (
    TRANSLATED_DIMENSIONS, Breakdown, Dashboard, Figure, Period, parse_period,
)
from inventory.i18n import gettext_for
from inventory.services import reports as svc
from inventory.services.common import today

# Optional, with the limit inside the union so that Litestar enforces it.
DateParam = Annotated[str | None,
                      QueryParameter(max_length=20, description="A day, YYYY-MM-DD.")]
SiteParam = Annotated[str | None, QueryParameter(max_length=12, description="A site's code.")]
TableParam = Annotated[str, PathParameter(max_length=60)]


class PeriodRead(Struct, kw_only=True):
    start: dt.date
    end: dt.date


class FigureRead(Struct, kw_only=True):
    key: str
    label: str
    value: int


class SiteDevicesRead(Struct, kw_only=True):
    site: str
    states: list[FigureRead]


class BreakdownRowRead(Struct, kw_only=True):
    key: str
    label: str
    people: int
    loans: int
    autonomous: int


class BreakdownRead(Struct, kw_only=True):
    dimension: str
    rows: list[BreakdownRowRead]


class DashboardRead(Struct, kw_only=True):
    """Every figure of a period, counts as they are (the CSV tables hide small counts)."""

    period: PeriodRead
    site_code: str | None
    as_of: dt.date | None
    people_accompanied: int
    people_first_time: int
    autonomous_at_exit: int
    autonomous_at_follow_up: int
    goal_autonomous: int
    goal_reached: int
    devices_by_state: list[FigureRead]
    devices_by_site: list[SiteDevicesRead]
    loans_open: int
    loans_overdue: int
    loans_lost: int
    loans_lost_in_period: int
    loans_started: int
    loans_returned: int
    return_rate: float | None
    cards_issued: int
    data_supplied_mb: int
    repairs_opened: int
    repairs_closed: int
    repair_median_days: float | None
    waiting_now: int
    waiting_average_days: float | None
    referrals_by_partner: list[FigureRead]
    breakdowns: list[BreakdownRead]


def _states(figures: tuple[Figure, ...], _: Gettext) -> list[FigureRead]:
    return [FigureRead(key=f.key, label=_(STATE_LABELS.get(f.key, f.label)), value=f.value)
            for f in figures]


def _breakdown(breakdown: Breakdown, _: Gettext) -> BreakdownRead:
    translate = breakdown.dimension in TRANSLATED_DIMENSIONS
    return BreakdownRead(dimension=breakdown.dimension, rows=[BreakdownRowRead(
        key=r.key, label=_(r.label) if translate and r.label else r.label, people=r.people,
        loans=r.loans, autonomous=r.autonomous) for r in breakdown.rows])


def dashboard_read(board: Dashboard, _: Gettext) -> DashboardRead:
    """The dashboard as the API answers it, labels in the reader's language."""
    plain = {name: getattr(board, name) for name in (
        "site_code", "as_of", "people_accompanied", "people_first_time", "autonomous_at_exit",
        "autonomous_at_follow_up", "goal_autonomous", "goal_reached", "loans_open",
        "loans_overdue", "loans_lost", "loans_lost_in_period", "loans_started",
        "loans_returned", "return_rate", "cards_issued", "data_supplied_mb", "repairs_opened",
        "repairs_closed", "repair_median_days", "waiting_now", "waiting_average_days")}
    return DashboardRead(
        period=PeriodRead(start=board.period.start, end=board.period.end), **plain,
        devices_by_state=_states(board.devices_by_state, _),
        devices_by_site=[SiteDevicesRead(site=site, states=_states(figures, _))
                         for site, figures in board.devices_by_site],
        referrals_by_partner=[FigureRead(key=f.key, label=f.label, value=f.value)
                              for f in board.referrals_by_partner],
        breakdowns=[_breakdown(b, _) for b in board.breakdowns])


async def _board(request: Request, start: str | None, end: str | None,
                 site: str | None) -> tuple[Period, Dashboard]:
    period = parse_period(start, end, today())
    board = await svc.dashboard(request.user, period, site or None,
                                goal=request.app.state.settings.goal_autonomous)
    return period, board


def _filename(name: str, period: Period, site: str | None) -> str:
    suffix = "-" + re.sub(r"[^A-Za-z0-9_-]", "", site) if site else ""
    return f"rapport-{name}-{period.start}-{period.end}{suffix}.csv"


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]

    @get("/dashboard", opt={"permission": "reports.read"})
    async def dashboard(self, request: Request, start: DateParam = None,
                        end: DateParam = None,
                        site: SiteParam = None) -> DashboardRead:
        """Every figure of the period from ``start`` to ``end`` (default: this calendar year),
        for every site or one. Counts are exact: exports (the CSV tables) hide small ones."""
        _period, board = await _board(request, start, end, site)
        return dashboard_read(board, gettext_for(locale_of(request)))

    @get("/{table:str}", opt={"permission": "reports.read"}, media_type="text/csv")
    async def table(self, request: Request, table: TableParam,
                    start: DateParam = None,
                    end: DateParam = None,
                    site: SiteParam = None) -> Response[bytes]:
        """One table of the report as CSV for a spreadsheet (``summary.csv``, ``devices.csv``,
        ``devices-by-site.csv``, ``referrals.csv``, ``breakdown-site.csv``,
        ``breakdown-commune.csv``, ``breakdown-priority-area.csv``,
        ``breakdown-age-band.csv``, ``breakdown-situation.csv``,
        ``breakdown-partner-org.csv``): UTF-8 with BOM, ``;`` between cells, decimal commas.
        Counts of people from 1 to 4 are hidden as an empty cell, and so is another count
        where the total would give a hidden one back; groups that hiding cannot protect are
        gathered in one row "other". Text starting with = + - @ is prefixed with '."""
        if not table.endswith(".csv") or table[:-4] not in report_tables.TABLES:
            raise NotFound(report_tables.UNKNOWN_TABLE, name=table[:40])
        period, board = await _board(request, start, end, site)
        found = report_tables.table(table[:-4], board, gettext_for(locale_of(request)))
        return Response(report_tables.csv_bytes(found), media_type="text/csv",
                        headers={"content-disposition": 'attachment; filename="'
                                 f'{_filename(found.name, period, site)}"',
                                 "cache-control": "no-store",
                                 "x-content-type-options": "nosniff"})
