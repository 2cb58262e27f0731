"""Page arithmetic shared by every list: which rows a page holds and where its pager points.

Lists are read one page at a time (LIMIT/OFFSET with a count, or LIMIT n + 1 to know whether
there is more); nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

PAGE_SIZE = 50  # rows per page on screens: a tablet scrolls through 50 lines comfortably
API_PAGE_SIZE = 50  # the default of the JSON lists
API_MAX_PAGE_SIZE = 200  # the most a JSON list answers in one page
MAX_PAGE = 100_000  # beyond, an OFFSET costs more than anyone will ever page through

T = TypeVar("T")


def page_number(raw: Any) -> int:
    """A requested page number, whatever came in: 1 when absent or not a number, capped."""
    try:
        number = int(str(raw).strip())
    except (TypeError, ValueError):
        return 1
    return max(1, min(number, MAX_PAGE))


@dataclass(frozen=True, slots=True)
class Page:
    """Page ``number`` (from 1) of ``size`` rows out of ``total``."""

    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_row(self) -> int:
        """The 1-based position of the page's first row (0 when the list is empty)."""
        return 0 if self.total == 0 else self.offset + 1

    @property
    def last_row(self) -> int:
        return min(self.total, self.offset + self.size)


def paginate(requested: Any, total: int, size: int = PAGE_SIZE) -> Page:
    """The page to show for ``requested``: moved into 1..pages when it is out of range."""
    if size < 1:
        raise ValueError("a page holds at least one row")
    page = Page(page_number(requested), size, max(0, total))
    return page if page.number <= page.pages else Page(page.pages, size, page.total)


def slice_page(rows: Sequence[T], requested: Any, size: int = PAGE_SIZE) -> tuple[list[T], Page]:
    """One page of rows already in memory (a short list, bounded upstream)."""
    page = paginate(requested, len(rows), size)
    return list(rows[page.offset:page.offset + size]), page


def split_more(rows: Sequence[T], size: int) -> tuple[list[T], bool]:
    """Rows read with LIMIT size + 1: the page itself, and whether there are more after it."""
    return list(rows[:size]), len(rows) > size


def link_base(path: str, params: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> str:
    """``path?a=1&b=2&``: the filters of a list (empty ones left out), ready for ``page=N``."""
    pairs = params.items() if isinstance(params, Mapping) else params
    kept = [(k, v) for k, v in pairs if v not in (None, "", False)]
    return f"{path}?{urlencode(kept)}&" if kept else f"{path}?"
