"""Report rules: periods, age bands that survive anonymisation, hiding small counts so that no
total gives one back, and CSV cells no spreadsheet runs."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.domain.days import day_start
from inventory.domain.errors import InvalidInput
from inventory.domain.privacy import birth_band
from inventory.domain.reports import (
    AGE_BAND_LABELS, OTHER_KEY, OTHER_LABEL, SMALL_COUNT, Breakdown, BreakdownRow, Figure,
    Period, age_band, calendar_year, check_period, csv_cell, mask_breakdown, mask_counts,
    mask_figures, mask_first_time, mask_rows, mask_total, needs_folding, neutralise,
    parse_period, quarter, reference_day,
)

TODAY = date(2026, 11, 27)


# --- periods ----------------------------------------------------------------------------

def test_a_calendar_year_runs_from_january_to_december():
    assert calendar_year(2025) == Period(date(2025, 1, 1), date(2025, 12, 31))


@pytest.mark.parametrize(("year", "number", "start", "end"), [
    (2024, 1, date(2024, 1, 1), date(2024, 3, 31)),
    (2024, 2, date(2024, 4, 1), date(2024, 6, 30)),
    (2024, 3, date(2024, 7, 1), date(2024, 9, 30)),
    (2024, 4, date(2024, 10, 1), date(2024, 12, 31)),
])
def test_quarters_cover_three_whole_months(year, number, start, end):
    assert quarter(year, number) == Period(start, end)


@pytest.mark.parametrize("number", [0, 5, -1])
def test_a_quarter_is_numbered_one_to_four(number):
    with pytest.raises(InvalidInput):
        quarter(2024, number)


@pytest.mark.parametrize(("start", "end", "expected"), [
    (None, None, Period(date(2026, 1, 1), date(2026, 12, 31))),
    ("", "  ", Period(date(2026, 1, 1), date(2026, 12, 31))),
    ("2025-03-01", "2025-05-31", Period(date(2025, 3, 1), date(2025, 5, 31))),
    ("2025-03-01", None, Period(date(2025, 3, 1), date(2025, 12, 31))),
    (None, "2024-06-30", Period(date(2024, 1, 1), date(2024, 6, 30))),
    ("2025-02-03", "2025-02-03", Period(date(2025, 2, 3), date(2025, 2, 3))),
])
def test_a_period_is_read_from_two_days_with_the_calendar_year_by_default(start, end, expected):
    assert parse_period(start, end, TODAY) == expected


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2025-13-01", None, "is not a date"),
    ("01/02/2025", None, "is not a date"),
    ("2025-02-30", "2025-03-01", "is not a date"),
    ("2025-06-01", "2025-05-31", "on or after the start"),
    ("2010-01-01", "2025-12-31", "at most ten years"),
    ("0001-01-01", "0001-12-31", "between 2000 and 2100"),
    ("9999-01-01", "9999-12-31", "between 2000 and 2100"),
])
def test_a_bad_period_is_refused_with_the_reason(start, end, message):
    with pytest.raises(InvalidInput) as refused:
        parse_period(start, end, TODAY)
    assert message in str(refused.value)


def test_ten_years_is_the_longest_period():
    assert check_period(Period(date(2016, 1, 1), date(2025, 12, 31)))


@pytest.mark.parametrize(("day", "moment"), [
    (date(2026, 1, 1), datetime(2025, 12, 31, 23, tzinfo=UTC)),  # winter: UTC+1
    (date(2026, 7, 1), datetime(2026, 6, 30, 22, tzinfo=UTC)),  # summer: UTC+2
])
def test_a_day_begins_at_midnight_in_france(day, moment):
    assert day_start(day) == moment


def test_stock_figures_are_taken_at_the_end_of_the_period_or_today():
    assert reference_day(calendar_year(2025), TODAY) == date(2025, 12, 31)
    assert reference_day(calendar_year(2026), TODAY) == TODAY


# --- age bands --------------------------------------------------------------------------

@pytest.mark.parametrize("year", range(1900, 2031))
def test_an_age_band_is_the_same_before_and_after_anonymisation(year):
    assert age_band(year) == age_band(birth_band(year))
    assert age_band(year) in AGE_BAND_LABELS


def test_age_bands_are_decades_of_birth_with_the_extremes_gathered():
    assert [age_band(y) for y in (1925, 1939, 1940, 1984, 1989, 1990, 2019, 2024)] == [
        1930, 1930, 1940, 1980, 1980, 1990, 2010, 2020]
    assert AGE_BAND_LABELS[1980] == "born in the 1980s"


# --- hiding small counts: can a reader get a hidden count back? -------------------------

def hidden_counts_given_back(values: Sequence[int], total_shown: bool = False) -> list[int]:
    """Positions of hidden counts a reader can work out. The reader knows the published
    cells, the total (or, when it is hidden, that it is from 1 to 4; ``total_shown``: it is
    always shown) and the rule's bounds: a hidden count is at least 1, and at most 4 or the
    smallest count shown. With ``k`` hidden counts adding up to ``s``, one of them can be
    anything from ``max(1, s - (k - 1) * most)`` to ``min(most, s - (k - 1))``."""
    published = mask_counts(values)
    total = sum(values) if total_shown else mask_total(sum(values))
    hidden = [i for i, value in enumerate(published) if value is None]
    if not hidden:
        return []
    shown = [value for value in published if value is not None]
    most = max(SMALL_COUNT - 1, min((v for v in shown if v), default=10**9))
    sums = [total - sum(shown)] if total is not None else range(1, SMALL_COUNT)
    k = len(hidden)
    possible = set()
    for hidden_sum in sums:
        low, high = max(1, hidden_sum - (k - 1) * most), min(most, hidden_sum - (k - 1))
        possible.update(range(low, high + 1))
    return hidden if len(possible) < 2 else []


@pytest.mark.parametrize(("values", "published"), [
    ((), ()),
    ((0, 12, 7), (0, 12, 7)),
    ((3, 12, 7), (None, 12, None)),  # the smallest other count hides 3 from the total
    ((1, 1, 10), (None, None, None)),  # two hidden 1s would add up to their number
    ((1, 2, 10), (None, None, 10)),
    ((4, 5, 5), (None, None, 5)),
    ((4, 4, 9), (None, None, 9)),
    ((1, 1, 1, 1, 1, 7, 9), (None, None, None, None, None, None, 9)),
    ((2, 3, 0), (None, None, 0)),
    ((5, 6), (5, 6)),
    ((4,), (None,)),
])
def test_small_counts_are_hidden_with_one_more_where_the_total_would_give_them_back(
        values, published):
    assert mask_counts(values) == published


def test_every_short_column_keeps_its_hidden_counts_hidden_from_the_total():
    columns = [c for n in range(1, 5) for c in itertools.product(range(9), repeat=n)]
    columns += list(itertools.product((0, 1, 2, 4, 5, 6), repeat=5))
    given_back = [c for c in columns if hidden_counts_given_back(c, total_shown=True)]
    assert given_back and all(needs_folding(c) for c in given_back)
    assert all(needs_folding(c) for c in columns if hidden_counts_given_back(c))
    folded = [c for c in columns if needs_folding(c)]
    assert all(all(v in (0, 1) for v in c) or sum(1 for v in c if v) == 1 for c in folded)


@given(st.lists(st.integers(0, 40), max_size=12))
def test_no_published_column_gives_a_hidden_count_back_unless_it_must_be_folded(values):
    if needs_folding(values):
        return
    assert hidden_counts_given_back(values, total_shown=True) == []


@pytest.mark.parametrize("value", [0, 5, 6, 1000])
def test_zero_and_counts_of_five_or_more_are_published(value):
    assert mask_total(value) == value


@pytest.mark.parametrize("value", [1, 2, 3, 4])
def test_a_total_of_one_to_four_is_hidden(value):
    assert mask_total(value) is None


def test_a_column_of_single_people_is_folded_into_one_row_named_other():
    rows = [(f"c{i}", f"Commune {i}", (1, 1, 0)) for i in range(6)] + [("big", "Big", (0, 0, 0))]
    published = mask_rows(rows)
    assert [(r.key, r.counts, r.other) for r in published] == [
        ("big", (0, 0, 0), False), (OTHER_KEY, (6, 6, 0), True)]


def test_a_group_called_other_is_not_taken_for_the_folded_row():
    rows = [("other", "other", (0,))] + [(f"c{i}", f"C{i}", (1,)) for i in range(5)]
    assert [(r.label, r.counts, r.other) for r in mask_rows(rows)] == [
        ("other", (0,), False), (OTHER_LABEL, (5,), True)]


@st.composite
def breakdowns(draw) -> Breakdown:
    rows = []
    for n in range(draw(st.integers(0, 8))):
        people = draw(st.integers(1, 12))
        rows.append(BreakdownRow(f"k{n}", f"Group {n}", people, draw(st.integers(0, 15)),
                                 draw(st.integers(0, people))))
    return Breakdown("commune", tuple(rows))


@given(breakdowns())
def test_no_exported_breakdown_column_gives_a_hidden_count_back(breakdown):
    published = mask_breakdown(breakdown)
    by_key = {r.key: r for r in breakdown.rows}
    for column in range(3):
        named = {p.key for p in published if not p.other}
        exact = [sum(getattr(by_key[k], ("people", "loans", "autonomous")[column])
                     for k in by_key if (k == r.key and not r.other)
                     or (r.other and k not in named))
                 for r in published]
        assert sum(exact) == sum((r.people, r.loans, r.autonomous)[column]
                                 for r in breakdown.rows)
        assert [r.counts[column] for r in published] == list(mask_counts(exact))
        # Only the unnamed "other" row may be worked out: it is no group in particular.
        assert all(published[i].other for i in hidden_counts_given_back(exact, True))


def test_referrals_per_partner_are_masked_like_people():
    figures = (Figure("1", "CCAS", 40), Figure("2", "Mission locale", 2),
               Figure("3", "Centre social", 9))
    assert [r.counts for r in mask_figures(figures)] == [(40,), (None,), (None,)]


@pytest.mark.parametrize(("accompanied", "first_time", "published"), [
    (100, 60, 60), (100, 98, None), (100, 3, None), (4, 4, None), (0, 0, 0), (9, 0, 0)])
def test_first_time_people_are_hidden_when_they_or_the_returning_ones_are_few(
        accompanied, first_time, published):
    assert mask_first_time(accompanied, first_time) == published


# --- CSV cells --------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "=HYPERLINK(\"http://x\",\"y\")", "+33 6 12", "-2+3", "@SUM(1)", "\tcmd", "\rcmd",
    "\ncmd", "＝1+1"])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize(("value", "cell"), [
    (12, "12"), (-2, "-2"), (0, "0"), (2.5, "2,5"), (-0.25, "-0,25"), (0.98333, "0,983"),
    (10.0, "10"), (None, ""), ("Bordeaux", "Bordeaux"), ("2 rue", "2 rue"), (True, "1")])
def test_numbers_stay_numbers_with_a_decimal_comma(value, cell):
    assert csv_cell(value) == cell
