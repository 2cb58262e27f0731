"""Reading one page of a list for a screen: the page asked, or the last one when the list
got shorter than that (the arithmetic is in inventory.domain.paging)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from inventory.domain.paging import PAGE_SIZE, Page, page_number, paginate

Lister = Callable[..., Awaitable[tuple[list[dict[str, Any]], int]]]


async def read_page(lister: Lister, requested: Any,
                    size: int = PAGE_SIZE) -> tuple[list[dict[str, Any]], Page]:
    """``lister(page=, per_page=)`` for the page asked; a page beyond the end shows the last."""
    asked = page_number(requested)
    rows, total = await lister(page=asked, per_page=size)
    page = paginate(asked, total, size)
    if page.number != asked:
        rows, total = await lister(page=page.number, per_page=size)
    return rows, page
