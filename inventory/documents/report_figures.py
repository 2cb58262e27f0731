"""What the dashboard page and the period report draw from a ``Dashboard``: numbers in words,
chart series and the published (small counts hidden) breakdown tables. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from babel.numbers import format_decimal, format_percent

from inventory.domain.reports import (
    OTHER_KEY, TRANSLATED_DIMENSIONS, Breakdown, Dashboard, Figure, mask_breakdown, mask_figures,
)
from inventory.i18n import long_date

# How a hidden count is printed; the footer of the report says why.
# "s" for "secret statistique", as INSEE prints it: a cell hidden to protect another may
# hold 5 or more, so "< 5" would be wrong for it and would point the small ones out.
HIDDEN = "s"
# Bar and segment colours: each has a contrast of at least 4.5:1 on white (WCAG AA for the
# text drawn beside them, 3:1 is enough for graphics), and neighbours differ in hue and
# lightness; the legend and the numbers say the same in words, so colour is never alone.
PALETTE = ("#0b4f8a", "#0a6b2f", "#8a5300", "#a1161f", "#5b3a8c", "#4a4a4a", "#00666e",
           "#8c2465")


@dataclass(frozen=True, slots=True)
class Numbers:
    """Number and date formats of one locale, for templates: ``num(1234)``, ``pct(0.87)``…"""

    locale: str

    def num(self, value: int | None) -> str:
        """A count with the locale's grouping (``1 234``); None is the hidden mark."""
        return HIDDEN if value is None else format_decimal(value, locale=self.locale)

    def pct(self, value: float | None) -> str:
        """A rate as a percentage (``87 %``); None (no data) is a dash."""
        return "—" if value is None else format_percent(value, locale=self.locale)

    def dec(self, value: float | None) -> str:
        """A number with at most one decimal (``2,5``); None (no data) is a dash."""
        return "—" if value is None else format_decimal(value, format="#,##0.#",
                                                        locale=self.locale)

    def day(self, value: date) -> str:
        """A date in words (``1er janvier 2026``)."""
        return long_date(value, self.locale)

    def context(self) -> dict[str, Callable]:
        """The formatting functions, as template globals."""
        return {"num": self.num, "pct": self.pct, "dec": self.dec, "day": self.day}


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a bar chart: a label and a count, None when hidden."""

    label: str
    value: int | None


@dataclass(frozen=True, slots=True)
class Series:
    """One state in the stacked chart of devices per site: its key, label and colour."""

    key: str
    label: str
    colour: str


@dataclass(frozen=True, slots=True)
class StackRow:
    """One site's devices, one value per series (in the series' order)."""

    label: str
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass(frozen=True, slots=True)
class PublishedRow:
    """A breakdown row as shown: on the page every count, in exports small ones hidden (None)."""

    key: str
    label: str
    people: int | None
    loans: int | None
    autonomous: int | None


def translated(figures: Iterable[Figure], gettext: Callable[[str], str]) -> tuple[Figure, ...]:
    """Figures whose labels are message ids (device states), in the reader's language."""
    return tuple(Figure(f.key, gettext(f.label) if f.label else "—", f.value) for f in figures)


def row_label(dimension: str, key: str, label: str, gettext: Callable[[str], str]) -> str:
    """A breakdown row's label for people: message ids translated, names as they are."""
    if not label:
        return "—"
    if dimension in TRANSLATED_DIMENSIONS or key == OTHER_KEY:
        return gettext(label)
    return label


def device_stacks(dashboard: Dashboard, gettext: Callable[[str], str] = str,
                  ) -> tuple[tuple[Series, ...], tuple[StackRow, ...]]:
    """Series (states in the order of ``devices_by_state``, then any other) and one row per
    site, ready for the stacked bar chart."""
    labels: dict[str, str] = {}
    for figure in dashboard.devices_by_state:
        labels.setdefault(figure.key, figure.label)
    for _site, figures in dashboard.devices_by_site:
        for figure in figures:
            labels.setdefault(figure.key, figure.label)
    series = tuple(Series(key, gettext(label) if label else key, PALETTE[i % len(PALETTE)])
                   for i, (key, label) in enumerate(labels.items()))
    rows = []
    for site, figures in dashboard.devices_by_site:
        by_key = {f.key: f.value for f in figures}
        rows.append(StackRow(site, tuple(by_key.get(s.key, 0) for s in series)))
    return series, tuple(rows)


def shown_rows(breakdown: Breakdown, gettext: Callable[[str], str]) -> tuple[PublishedRow, ...]:
    """A breakdown's rows as the managers' page shows them: every count, labels translated."""
    return tuple(PublishedRow(r.key, row_label(breakdown.dimension, r.key, r.label, gettext),
                              r.people, r.loans, r.autonomous) for r in breakdown.rows)


def published_rows(breakdown: Breakdown, gettext: Callable[[str], str] = str,
                   ) -> tuple[PublishedRow, ...]:
    """A breakdown's rows as exported (``mask_breakdown``): small counts hidden, rows that
    hiding cannot protect folded into one "other" row; labels translated."""
    return tuple(PublishedRow(r.key, row_label(breakdown.dimension, r.key, r.label, gettext),
                              *r.counts) for r in mask_breakdown(breakdown))


def published_bars(figures: Iterable[Figure], gettext: Callable[[str], str] = str,
                   ) -> tuple[Bar, ...]:
    """Bars of people counts per name (referrals per partner) as exported (``mask_figures``)."""
    return tuple(Bar(gettext(r.label) if r.key == OTHER_KEY else r.label, r.counts[0])
                 for r in mask_figures(tuple(figures)))


def people_bars(rows: Iterable[PublishedRow]) -> tuple[Bar, ...]:
    """The people column of a breakdown as bars (hidden counts stay hidden)."""
    return tuple(Bar(r.label, r.people) for r in rows)


def column_totals(breakdown: Breakdown) -> tuple[int, int, int]:
    """People, loans and autonomous summed over a breakdown's rows (published as they are:
    the hiding is made so that they give nothing back)."""
    return (sum(r.people for r in breakdown.rows), sum(r.loans for r in breakdown.rows),
            sum(r.autonomous for r in breakdown.rows))
