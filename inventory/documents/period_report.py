"""The period report for funders (rapport d'activité): a ``Dashboard`` in, PDF bytes out.

It leaves the association, so every count of people is published as the CSV tables publish
it (``domain.reports``: ``mask_total``, ``mask_first_time``, ``mask_breakdown``,
``mask_figures``): a hidden count prints as "s" (secret statistique).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import date

from inventory.documents.engine import render_pdf
from inventory.documents.report_figures import (
    Numbers, column_totals, device_stacks, published_bars, published_rows, translated,
)
from inventory.domain.reports import Dashboard, mask_first_time, mask_total
from inventory.i18n import gettext_for

TEMPLATE = "period_report.html"
LOCALE = "fr_FR"


@dataclass(frozen=True, slots=True)
class PeriodReportData:
    """What the report prints: whose figures, which ones, and the day it was made."""

    association: str
    dashboard: Dashboard
    site_name: str | None  # None: every site
    generated_on: date


def report_context(data: PeriodReportData) -> dict:
    """Template values: labels in French, counts of people masked as in every export."""
    french = gettext_for("fr")
    board = data.dashboard
    series, stacks = device_stacks(board, french)
    breakdowns = [{"dimension": b.dimension, "rows": published_rows(b, french),
                   "totals": column_totals(b)} for b in board.breakdowns]
    people = {"accompanied": mask_total(board.people_accompanied),
              "first_time": mask_first_time(board.people_accompanied, board.people_first_time),
              "exit": mask_total(board.autonomous_at_exit),
              "follow_up": mask_total(board.autonomous_at_follow_up),
              "goal_reached": mask_total(board.goal_reached)}
    return {
        "association": data.association, "board": board, "site_name": data.site_name,
        "generated_on": data.generated_on, "document_date": data.generated_on.isoformat(),
        "as_of": board.as_of or board.period.end, "people": people,
        "devices_by_state": translated(board.devices_by_state, french),
        "series": series, "stacks": stacks,
        "referrals": published_bars(board.referrals_by_partner, french),
        "breakdowns": breakdowns, "_": french, **Numbers(LOCALE).context(),
    }


def render_period_report(data: PeriodReportData) -> bytes:
    """The period report as A4 PDF bytes; the same data gives the same bytes."""
    board = data.dashboard
    key = (f"{TEMPLATE}\n{data.association}\n{board.period.start}\n{board.period.end}\n"
           f"{board.site_code or ''}\n{data.generated_on}")
    identifier = hashlib.sha256(key.encode()).hexdigest()[:32]
    return render_pdf(TEMPLATE, report_context(data), identifier.encode("ascii"))


async def render_period_report_async(data: PeriodReportData) -> bytes:
    """``render_period_report`` in a worker thread, leaving the event loop free."""
    return await asyncio.to_thread(render_period_report, data)
