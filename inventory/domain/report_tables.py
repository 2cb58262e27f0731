"""The report's tables as exported (CSV): a ``Dashboard`` in, rows of cells out, small counts
of people hidden (``reports.mask_*``), every cell safe for a spreadsheet. Pure, no I/O.

A hidden count is an empty cell, never "< 5": a count hidden so that the total cannot give
another one back may be 5 or more, and marking only the small ones would point them out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inventory.domain.errors import N_, NotFound
from inventory.domain.lifecycle import STATE_LABELS
from inventory.domain.reports import (
    DIMENSIONS, TRANSLATED_DIMENSIONS, Dashboard, MaskedRow, csv_cell,
    mask_breakdown, mask_figures, mask_first_time, mask_total,
)

Gettext = Callable[[str], str]

SUMMARY_LABELS: dict[str, str] = {
    "period_start": N_("First day of the period"),
    "period_end": N_("Last day of the period"),
    "site": N_("Site"),
    "as_of": N_("Stock figures taken on"),
    "people_accompanied": N_("People accompanied"),
    "people_first_time": N_("People accompanied for the first time"),
    "autonomous_at_exit": N_("People autonomous at the end of their path"),
    "autonomous_at_follow_up": N_("People autonomous at the 6-month follow-up"),
    "goal_autonomous": N_("Goal: people autonomous"),
    "goal_reached": N_("People autonomous so far"),
    "loans_started": N_("Loans started"),
    "loans_open": N_("Loans open"),
    "loans_overdue": N_("Loans overdue"),
    "loans_lost": N_("Devices lost or stolen, not settled"),
    "loans_lost_in_period": N_("Devices lost or stolen in the period"),
    "loans_returned": N_("Devices returned in the period"),
    "return_rate": N_("Return rate"),
    "cards_issued": N_("Connection cards handed over"),
    "data_supplied_mb": N_("Mobile data supplied (MB)"),
    "repairs_opened": N_("Repairs opened"),
    "repairs_closed": N_("Repairs closed"),
    "repair_median_days": N_("Median repair time (days)"),
    "waiting_now": N_("People on the waiting list"),
    "waiting_average_days": N_("Average wait so far (days)"),
}
# The names the tables are asked for by (``/api/v1/reports/{name}.csv``).
TABLES = ("summary", "devices", "devices-by-site", "referrals",
          *(f"breakdown-{dimension.replace('_', '-')}" for dimension in DIMENSIONS))
UNKNOWN_TABLE = N_("There is no report table called “{name}”.")


@dataclass(frozen=True, slots=True)
class Table:
    """One exported table: a header and rows of cells (text, numbers, or None when hidden)."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _summary_values(board: Dashboard) -> dict[str, Any]:
    waiting = mask_total(board.waiting_now)
    return {
        "period_start": board.period.start.isoformat(),
        "period_end": board.period.end.isoformat(),
        "site": board.site_code or "",
        "as_of": board.as_of.isoformat() if board.as_of else "",
        "people_accompanied": mask_total(board.people_accompanied),
        "people_first_time": mask_first_time(board.people_accompanied, board.people_first_time),
        "autonomous_at_exit": mask_total(board.autonomous_at_exit),
        "autonomous_at_follow_up": mask_total(board.autonomous_at_follow_up),
        "goal_autonomous": board.goal_autonomous,
        "goal_reached": mask_total(board.goal_reached),
        "loans_started": board.loans_started, "loans_open": board.loans_open,
        "loans_overdue": board.loans_overdue, "loans_lost": board.loans_lost,
        "loans_lost_in_period": board.loans_lost_in_period,
        "loans_returned": board.loans_returned, "return_rate": board.return_rate,
        "cards_issued": board.cards_issued, "data_supplied_mb": board.data_supplied_mb,
        "repairs_opened": board.repairs_opened, "repairs_closed": board.repairs_closed,
        "repair_median_days": board.repair_median_days,
        "waiting_now": waiting,
        # The average wait of one to four people tells how long each of them waited.
        "waiting_average_days": board.waiting_average_days if waiting is not None else None,
    }


def _summary(board: Dashboard, _: Gettext) -> Table:
    values = _summary_values(board)
    return Table("summary", (_(N_("Code")), _(N_("Figure")), _(N_("Value"))),
                 tuple((key, _(label), values[key]) for key, label in SUMMARY_LABELS.items()))


def _state(key: str, label: str, _: Gettext) -> str:
    return _(STATE_LABELS.get(key, label or key))


def _devices(board: Dashboard, _: Gettext) -> Table:
    return Table("devices", (_(N_("State")), _(N_("State name")), _(N_("Devices"))),
                 tuple((f.key, _state(f.key, f.label, _), f.value)
                       for f in board.devices_by_state))


def _devices_by_site(board: Dashboard, _: Gettext) -> Table:
    return Table("devices-by-site",
                 (_(N_("Site")), _(N_("State")), _(N_("State name")), _(N_("Devices"))),
                 tuple((site, f.key, _state(f.key, f.label, _), f.value)
                       for site, figures in board.devices_by_site for f in figures))


def _label(row: MaskedRow, translate: bool, _: Gettext) -> str:
    if row.other or (translate and row.label):
        return _(row.label)
    return row.label


def _referrals(board: Dashboard, _: Gettext) -> Table:
    rows = mask_figures(board.referrals_by_partner)
    return Table("referrals", (_(N_("Code")), _(N_("Partner organisation")),
                               _(N_("Referrals"))),
                 tuple((r.key, _label(r, False, _), r.counts[0]) for r in rows))


def _breakdown(board: Dashboard, dimension: str, _: Gettext) -> Table:
    found = next((b for b in board.breakdowns if b.dimension == dimension), None)
    rows = mask_breakdown(found) if found else ()
    translate = dimension in TRANSLATED_DIMENSIONS
    return Table(f"breakdown-{dimension.replace('_', '-')}",
                 (_(N_("Code")), _(N_("Group")), _(N_("People accompanied")),
                  _(N_("Loans started")), _(N_("People autonomous at the end of their path"))),
                 tuple((r.key, _label(r, translate, _), *r.counts) for r in rows))


def table(name: str, board: Dashboard, gettext: Gettext) -> Table:
    """The table called ``name`` (one of ``TABLES``), in the reader's language."""
    builders = {"summary": _summary, "devices": _devices, "devices-by-site": _devices_by_site,
                "referrals": _referrals}
    if name in builders:
        return builders[name](board, gettext)
    if name in TABLES:
        return _breakdown(board, name.removeprefix("breakdown-").replace("-", "_"), gettext)
    raise NotFound(UNKNOWN_TABLE, name=name[:40])


def csv_bytes(found: Table) -> bytes:
    """The table as a CSV a French spreadsheet opens as is: UTF-8 with a byte order mark,
    ``;`` between cells, decimal commas, formula signs neutralised (``reports.csv_cell``)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(cell) for cell in found.header])
    writer.writerows([csv_cell(cell) for cell in row] for row in found.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
