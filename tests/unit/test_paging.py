"""Page arithmetic, the items list's query and the back office's account rules: pure rules."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.domain.item_list import (
    DEFAULT_SORT, NOT_A_CHOICE, ItemQuery, contains_pattern, read_item_query,
)
from inventory.domain.paging import (
    MAX_PAGE, Page, link_base, page_number, paginate, slice_page, split_more,
)
from inventory.domain.staff import (
    BadSiteCode, OrgNeeded, SiteNeeded, UnknownLocale, account_place, check_locale,
    clean_site_code,
)


@pytest.mark.parametrize(("raw", "number"), [
    (None, 1), ("", 1), ("abc", 1), ("0", 1), ("-3", 1), (" 7 ", 7), (7, 7), ("2.5", 1),
    (10**12, MAX_PAGE),
])
def test_a_requested_page_number_is_read_whatever_comes_in(raw, number):
    assert page_number(raw) == number


@pytest.mark.parametrize(("total", "pages"), [(0, 1), (1, 1), (50, 1), (51, 2), (200, 4),
                                              (201, 5)])
def test_pages_are_counted_by_fifty(total, pages):
    assert paginate(1, total).pages == pages


def test_two_hundred_rows_give_four_full_pages():
    seen = []
    for number in (1, 2, 3, 4):
        page = paginate(number, 200)
        seen += range(page.offset, page.offset + page.size)
        assert (page.has_previous, page.has_next) == (number > 1, number < 4)
    assert seen == list(range(200))


def test_a_page_beyond_the_end_is_the_last_and_an_empty_list_has_one_page():
    assert paginate(9, 120).number == 3
    empty = paginate(5, 0)
    assert (empty.number, empty.pages, empty.first_row, empty.last_row) == (1, 1, 0, 0)


def test_the_rows_shown_are_numbered_from_one():
    page = paginate(3, 120)
    assert (page.first_row, page.last_row) == (101, 120)


def test_a_page_holds_at_least_one_row():
    with pytest.raises(ValueError):
        paginate(1, 10, size=0)


@given(total=st.integers(0, 10_000), requested=st.integers(-5, 500),
       size=st.integers(1, 200))
def test_every_page_is_in_range_and_its_rows_exist(total, requested, size):
    page = paginate(requested, total, size)
    assert 1 <= page.number <= page.pages
    assert 0 <= page.offset <= max(0, total - 1) or total == 0
    assert page.last_row - page.first_row + 1 <= size or total == 0
    assert page.has_next == (page.offset + size < total)


@given(rows=st.lists(st.integers(), max_size=300), requested=st.integers(1, 10))
def test_slicing_in_memory_gives_the_same_page_as_the_arithmetic(rows, requested):
    shown, page = slice_page(rows, requested, size=25)
    assert shown == rows[page.offset:page.offset + 25]
    assert page == paginate(requested, len(rows), 25)


def test_reading_one_more_row_says_whether_there_are_more():
    assert split_more([1, 2, 3], 2) == ([1, 2], True)
    assert split_more([1, 2], 2) == ([1, 2], False)


def test_a_link_base_keeps_the_filters_and_leaves_out_empty_ones():
    base = link_base("/admin/items", [("q", "café & co"), ("kind", ""), ("site", None),
                                      ("sort", "-tag")])
    assert base.startswith("/admin/items?") and base.endswith("&")
    assert parse_qsl(base.split("?", 1)[1]) == [("q", "café & co"), ("sort", "-tag")]
    assert link_base("/admin/sites", {}) == "/admin/sites?"


def test_a_page_is_a_plain_value():
    assert Page(2, 50, 120) == paginate(2, 120)


# --- the items list's query -------------------------------------------------------------

@pytest.mark.parametrize(("typed", "pattern"), [
    ("ThinkPad", "%thinkpad%"), (" 100% ", "%100\\%%"), ("DL_5490", "%dl\\_5490%"),
    ("a\\b", "%a\\\\b%"),
])
def test_typed_text_matches_as_plain_characters(typed, pattern):
    assert contains_pattern(typed) == pattern


def test_a_query_string_is_read_with_every_value_checked():
    query, errors = read_item_query({"q": " lenovo ", "kind": "laptop", "state": "melted",
                                     "grade": "A+", "sort": "", "site": "AUB"})
    assert errors == {"state": NOT_A_CHOICE}
    assert query == ItemQuery(q="lenovo", kind="laptop", grade="A+", site="AUB")
    assert query.sort == DEFAULT_SORT and query.filtered


def test_the_query_gives_back_the_pairs_that_reproduce_it():
    query, _errors = read_item_query({"family": "card", "sort": "-updated"})
    assert query.params() == [("family", "card"), ("sort", "-updated")]
    assert read_item_query({"sort": "tag"})[0].params() == []
    assert not read_item_query({"sort": "-tag"})[0].filtered


def test_long_values_are_cut_to_their_limit():
    query, _errors = read_item_query({"q": "x" * 500, "intake_batch": "y" * 500})
    assert len(query.q) == 80 and len(query.intake_batch) == 80


# --- sites and accounts -----------------------------------------------------------------

@pytest.mark.parametrize(("typed", "code"), [("aub", "AUB"), (" bac2 ", "BAC2"),
                                              ("ABCDEFGHIJKL", "ABCDEFGHIJKL")])
def test_a_site_code_is_written_in_capitals(typed, code):
    assert clean_site_code(typed) == code


@pytest.mark.parametrize("typed", ["", "A", "AU B", "ÉTÉ", "ABCDEFGHIJKLM", "A-B"])
def test_a_site_code_of_other_characters_or_length_is_refused(typed):
    with pytest.raises(BadSiteCode):
        clean_site_code(typed)


@pytest.mark.parametrize(("role", "site", "org", "place"), [
    ("social_worker", "AUB", 3, (None, 3)),
    ("front_desk", "AUB", 3, ("AUB", None)),
    ("technician", "BAC", None, ("BAC", None)),
    ("coordinator", None, None, (None, None)),
    ("admin", "AUB", None, ("AUB", None)),
])
def test_an_account_belongs_to_a_site_or_an_organisation_never_both(role, site, org, place):
    assert account_place(role, site, org) == place


@pytest.mark.parametrize(("role", "site", "org", "error"), [
    ("social_worker", "AUB", None, OrgNeeded),
    ("front_desk", None, None, SiteNeeded),
    ("technician", "", 2, SiteNeeded),
])
def test_an_account_without_its_place_is_refused(role, site, org, error):
    with pytest.raises(error):
        account_place(role, site, org)


def test_only_french_and_english_are_offered():
    assert check_locale("en") == "en" and check_locale("fr") == "fr"
    with pytest.raises(UnknownLocale):
        check_locale("de")
