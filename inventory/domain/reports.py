"""What a report holds and the rules that shape its figures: periods, bands, small-count hiding.

Plain data, no I/O. ``services.reports`` fills a ``Dashboard`` with aggregate queries; the
dashboard page, the period report PDF and the CSV tables only read it.

Labels: a ``label`` is either an English message id (device states, social situations,
priority area, age bands: pass it through the reader's gettext) or a name taken from the data
(sites, communes, partner organisations: shown as it is). ``TRANSLATED_DIMENSIONS`` says
which breakdowns carry message ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from inventory.domain.errors import InvalidInput, N_
from inventory.domain.privacy import birth_band


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive range of days, e.g. a calendar year for a funder."""

    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Figure:
    """One labelled number of a table or chart; ``key`` is stable, ``label`` is for people."""

    key: str
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class BreakdownRow:
    """People accompanied in the period who share one value of a dimension, and their outcomes."""

    key: str
    label: str
    people: int
    loans: int
    autonomous: int


@dataclass(frozen=True, slots=True)
class Breakdown:
    """One dimension (site, commune, priority_area, age_band, situation, partner_org)."""

    dimension: str
    rows: tuple[BreakdownRow, ...]


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Every figure of the coordinators' dashboard for one period (and optionally one site).

    Each figure is defined precisely in ``services.reports``. Stock figures (loans open,
    overdue, lost; waiting now) are as of ``as_of``: the period's last day, or today for a
    period not over yet; devices by state are as of today.
    """

    period: Period
    site_code: str | None
    # People
    people_accompanied: int
    people_first_time: int
    autonomous_at_exit: int
    autonomous_at_follow_up: int
    goal_autonomous: int
    goal_reached: int  # people autonomous at exit since the start, all periods
    # Devices and loans
    devices_by_state: tuple[Figure, ...]
    devices_by_site: tuple[tuple[str, tuple[Figure, ...]], ...]  # site name -> by state
    loans_open: int
    loans_overdue: int
    loans_lost: int
    loans_started: int
    loans_returned: int
    return_rate: float | None  # returned / (returned + lost) over the period; None if none
    # Cards
    cards_issued: int
    data_supplied_mb: int
    # Repairs
    repairs_opened: int
    repairs_closed: int
    repair_median_days: float | None
    # Waiting list
    waiting_now: int
    waiting_average_days: float | None
    # Partners and breakdowns
    referrals_by_partner: tuple[Figure, ...]
    breakdowns: tuple[Breakdown, ...] = field(default=())
    # Devices lost or stolen during the period (the other half of the return rate).
    loans_lost_in_period: int = 0
    as_of: date | None = None


DIMENSIONS = ("site", "commune", "priority_area", "age_band", "situation", "partner_org")
# Breakdowns whose labels are message ids; the others show names from the data.
TRANSLATED_DIMENSIONS = frozenset({"priority_area", "age_band", "situation"})

# --- periods ----------------------------------------------------------------------------

FIRST_DAY = date(2000, 1, 1)  # no activity before; also keeps every bound a valid datetime
LAST_DAY = date(2100, 12, 31)
MAX_PERIOD_DAYS = 3660  # ten years: longer is a typo, not a report
END_BEFORE_START = N_("The end date must be on or after the start date.")
TOO_LONG = N_("A report covers at most ten years.")
OUT_OF_RANGE = N_("Report dates must be between 2000 and 2100.")
NOT_A_DATE = N_("“{value}” is not a date: write it as YYYY-MM-DD.")


def calendar_year(year: int) -> Period:
    """1 January to 31 December of ``year``."""
    return check_period(Period(date(year, 1, 1), date(year, 12, 31)))


def quarter(year: int, number: int) -> Period:
    """The three months of quarter ``number`` (1 to 4) of ``year``."""
    if number not in (1, 2, 3, 4):
        raise InvalidInput(N_("A quarter is numbered 1 to 4."))
    start = date(year, 3 * number - 2, 1)
    following = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return check_period(Period(start, following - timedelta(days=1)))


def check_period(period: Period) -> Period:
    """The period itself if it can be reported on: in order, within range, at most ten years."""
    if not (FIRST_DAY <= period.start <= LAST_DAY and FIRST_DAY <= period.end <= LAST_DAY):
        raise InvalidInput(OUT_OF_RANGE)
    if period.end < period.start:
        raise InvalidInput(END_BEFORE_START)
    if (period.end - period.start).days > MAX_PERIOD_DAYS:
        raise InvalidInput(TOO_LONG)
    return period


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(NOT_A_DATE, value=value[:20]) from None


def parse_period(start: str | None, end: str | None, today: date) -> Period:
    """The period named by two ``YYYY-MM-DD`` strings; without ``start``, 1 January of the
    end's year; without ``end``, the end of the start's year; without either, this year."""
    start, end = (start or "").strip() or None, (end or "").strip() or None
    first = _day(start) if start else None
    last = _day(end) if end else None
    if first is None and last is None:
        return calendar_year(today.year)
    if first is None:
        first = date(last.year, 1, 1)
    if last is None:
        last = date(first.year, 12, 31)
    return check_period(Period(first, last))


def reference_day(period: Period, today: date) -> date:
    """The day stock figures are taken on: the period's last day, or today if it is not over."""
    return min(period.end, today)


# --- age bands --------------------------------------------------------------------------

OLDEST_DECADE, YOUNGEST_DECADE = 1930, 2020
AGE_BAND_LABELS: dict[int, str] = {
    1930: N_("born before 1940"),
    1940: N_("born in the 1940s"),
    1950: N_("born in the 1950s"),
    1960: N_("born in the 1960s"),
    1970: N_("born in the 1970s"),
    1980: N_("born in the 1980s"),
    1990: N_("born in the 1990s"),
    2000: N_("born in the 2000s"),
    2010: N_("born in the 2010s"),
    2020: N_("born in 2020 or later"),
}


def age_band(birth_year: int) -> int:
    """The age band of a birth year: its decade of birth ("born in the 1980s"), the oldest
    and youngest bands gathering the decades beyond them.

    Decades rather than ages (26-35…) because anonymisation keeps only the decade of birth
    (``privacy.birth_band``): a band computed from the decade gives the same figures before
    and after a record is anonymised, which an age band cannot, since it cuts decades in two.
    A decade also does not drift with the day a report is run, so last year's report stays
    the same; ``AGE_BAND_LABELS`` says it in plain words.
    """
    return min(max(birth_band(birth_year), OLDEST_DECADE), YOUNGEST_DECADE)


PRIORITY_AREA_LABELS: dict[str, str] = {
    "yes": N_("lives in a priority neighbourhood"),
    "no": N_("lives outside priority neighbourhoods"),
}
OTHER_KEY = "other"
OTHER_LABEL = N_("other groups, each too small to show")

# --- hiding small counts ----------------------------------------------------------------

# Exported figures (CSV, PDF) hide counts of people from 1 to 4 so that no one is identifiable.
SMALL_COUNT = 5


def _given_back(values: tuple[int, ...] | list[int], hidden: set[int]) -> bool:
    """Whether the published total gives hidden counts back to a reader who knows this rule.

    The hidden counts add up to the total minus the counts shown, and the reader knows each
    is at least 1 (zero is shown) and at most 4 or, if hidden to protect another, the
    smallest count still shown. One hidden count is then known; several are known only when
    their sum is the least they can add up to, all 1 (the most, all at that largest value,
    cannot happen: a small count is among them).
    """
    return len(hidden) == 1 or sum(values[i] for i in hidden) == len(hidden)


def mask_counts(values: tuple[int, ...] | list[int]) -> tuple[int | None, ...]:
    """One column of people counts as published: small counts hidden (None).

    Primary: every count from 1 to ``SMALL_COUNT - 1``. Secondary: while the column's total
    (which is published) would give the hidden counts back (``_given_back``: a single hidden
    count, or hidden counts all 1), the smallest other non-zero count is hidden too. Zero is
    not hidden. When every non-zero count is hidden, there may be nothing left to hide: see
    ``needs_folding`` (``mask_rows`` folds such rows into one).
    """
    hidden = {i for i, value in enumerate(values) if 0 < value < SMALL_COUNT}
    while hidden and _given_back(values, hidden):
        others = [(value, i) for i, value in enumerate(values) if value > 0 and i not in hidden]
        if not others:
            break
        hidden.add(min(others)[1])
    return tuple(None if i in hidden else value for i, value in enumerate(values))


def mask_total(value: int) -> int | None:
    """A single count of people as published (a summary figure, a column's total)."""
    return None if 0 < value < SMALL_COUNT else value


def needs_folding(values: tuple[int, ...] | list[int]) -> bool:
    """Whether hiding cells cannot protect a column: every non-zero count is hidden and the
    total, taken as published, still gives them back (a single one, or all 1)."""
    hidden = {i for i, value in enumerate(mask_counts(values)) if value is None}
    return bool(hidden) and _given_back(values, hidden)


@dataclass(frozen=True, slots=True)
class MaskedRow:
    """A row of counts as published: hidden counts are None; ``other`` for the row that
    gathers groups too small to show (key ``OTHER_KEY``, label ``OTHER_LABEL``)."""

    key: str
    label: str
    counts: tuple[int | None, ...]
    other: bool = False


Rows = list[tuple[str, str, tuple[int, ...]]]


def _fold(rows: Rows, folded: set[int], has_other: bool) -> Rows:
    """Rows ``folded`` (and the "other" row, last, if there is one) summed into one "other"
    row, put last."""
    if has_other:
        folded = folded | {len(rows) - 1}
    kept = [row for i, row in enumerate(rows) if i not in folded]
    sums = tuple(sum(col) for col in zip(*(rows[i][2] for i in sorted(folded)), strict=True))
    return [*kept, (OTHER_KEY, OTHER_LABEL, sums)]


def _weak(rows: Rows, has_other: bool) -> set[int] | None:
    """The rows to fold for the first column masking cannot protect, if any (a column whose
    only non-zero count is already the unnamed "other" row is left as it is)."""
    for column in zip(*(row[2] for row in rows), strict=True):
        if needs_folding(column):
            non_zero = {i for i, value in enumerate(column) if value}
            if not (has_other and non_zero == {len(rows) - 1}):
                return non_zero
    return None


def mask_rows(rows: Rows) -> tuple[MaskedRow, ...]:
    """Rows of people counts (key, label, one count per column) as published: each column
    masked with ``mask_counts``; a column that masking cannot protect (``needs_folding``) has
    its non-zero rows folded into one "other" row, last, whose groups are then not named at
    all. Column totals are unchanged."""
    rows, has_other = list(rows), False
    while (weak := _weak(rows, has_other)) is not None:
        rows, has_other = _fold(rows, weak, has_other), True
    columns = [mask_counts(col) for col in zip(*(row[2] for row in rows), strict=True)]
    return tuple(MaskedRow(key, label, tuple(col[i] for col in columns),
                           other=has_other and i == len(rows) - 1)
                 for i, (key, label, _counts) in enumerate(rows))


def mask_breakdown(breakdown: Breakdown) -> tuple[MaskedRow, ...]:
    """A breakdown as exported: people, loans and autonomous columns (``mask_rows``)."""
    return mask_rows([(r.key, r.label, (r.people, r.loans, r.autonomous))
                      for r in breakdown.rows])


def mask_figures(figures: tuple[Figure, ...]) -> tuple[MaskedRow, ...]:
    """Counts of people per key (referrals per partner) as exported (``mask_rows``)."""
    return mask_rows([(f.key, f.label, (f.value,)) for f in figures])


def mask_first_time(accompanied: int, first_time: int) -> int | None:
    """People first accompanied this period, as published beside the people accompanied:
    hidden when it or the difference (people who came back) is a small count."""
    return mask_counts([first_time, accompanied - first_time])[0] if mask_total(
        accompanied) is not None else None


# --- CSV cells --------------------------------------------------------------------------

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection");
# the full-width forms are read as the same signs by some versions.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralise(value: Any) -> Any:
    """Spreadsheets must never run a cell as a formula: text starting with a formula sign gets
    a leading apostrophe. Numbers stay numbers (-2 is a number, "-2" is text)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_cell(value: Any) -> str:
    """A cell of a CSV for a French spreadsheet: text neutralised, integers as they are,
    decimals with a comma (``2,5``: a French spreadsheet reads ``2.5`` as text or a date),
    None (hidden or not applicable) as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".").replace(".", ",") or "0"
    return neutralise(str(value))
