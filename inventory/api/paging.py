"""The page parameters every JSON list takes: ?page=1&per_page=50, at most 200 rows a page."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from inventory.domain.paging import API_MAX_PAGE_SIZE, API_PAGE_SIZE, MAX_PAGE

PageParam = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
PerPageParam = Annotated[int, QueryParameter(ge=1, le=API_MAX_PAGE_SIZE)]
PER_PAGE = API_PAGE_SIZE
