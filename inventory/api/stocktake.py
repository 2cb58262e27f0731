"""JSON API for stocktakes (inventaire): start a count, scan items into it, read its totals
and lines, close it with its report, or cancel it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Meta, Struct

from inventory.api.schemas import Strict
from inventory.domain.stocktake import OUTCOME_LABELS, RESULT_LABELS, STATUS_LABELS, explain
from inventory.i18n import gettext_for, negotiate
from inventory.services import stocktake as svc

WHICH = r"^(found|missing|left|unexpected)$"


class StocktakeCreate(Strict, kw_only=True):
    """Start a count at a site."""

    site_code: Annotated[str, Meta(min_length=1, max_length=12)]
    note: Annotated[str, Meta(max_length=300)] = ""


class ScanRequest(Strict, kw_only=True):
    """Whatever the scanner or camera read: a QR URL, a tag, a Code 128."""

    code: Annotated[str, Meta(min_length=1, max_length=512)]


class StocktakeRead(Struct, kw_only=True):
    id: int
    site_code: str
    site_name: str
    status: str
    status_label: str
    note: str
    started_at: dt.datetime
    started_by: str | None
    closed_at: dt.datetime | None
    closed_by: str | None
    expected: int
    found: int
    # While the count is open: expected items not scanned yet.
    missing: int
    left: int
    unexpected: int


class StocktakePage(Struct, kw_only=True):
    items: list[StocktakeRead]
    total: int
    page: int
    per_page: int


class PreviousScan(Struct, kw_only=True):
    outcome: str
    scanned_at: dt.datetime
    scanned_by: str | None


class ScanRead(Struct, kw_only=True):
    """What a scan meant; ``duplicate`` when the item was already counted."""

    tag: str
    kind: str
    outcome: str
    label: str
    state: str
    site_code: str
    previous: PreviousScan | None
    count: StocktakeRead


class LineRead(Struct, kw_only=True):
    tag: str
    kind: str
    brand: str
    model: str
    result: str
    label: str
    state: str | None
    site_code: str | None
    scanned_at: dt.datetime | None
    scanned_by: str | None


class LinePage(Struct, kw_only=True):
    which: str
    items: list[LineRead]
    total: int
    page: int
    per_page: int


def _gettext(request: Request):
    return gettext_for(negotiate(request.headers.get("accept-language"), request.user.locale))


def count_read(row: dict[str, Any], gettext) -> StocktakeRead:
    return StocktakeRead(
        id=row["id"], site_code=row["site_code"], site_name=row["site_name"],
        status=row["status"], status_label=gettext(STATUS_LABELS[row["status"]]),
        note=row["note"], started_at=row["started_at"], started_by=row["started_by"],
        closed_at=row["closed_at"], closed_by=row["closed_by"], expected=row["expected_count"],
        found=row["found_count"], missing=row["missing_count"], left=row["left_count"],
        unexpected=row["unexpected_count"])


def line_label(row: dict[str, Any], gettext) -> str:
    """An item's line in a report: the scan's meaning, or the expected item's result."""
    if row["result"] in OUTCOME_LABELS and row["result"] != "found":
        return explain(row["result"], row["state"], row["site_code"], gettext)
    return gettext(RESULT_LABELS[row["result"]])


class StocktakeController(Controller):
    path = "/api/v1/stocktakes"
    tags = ["stocktakes"]

    @get("/", opt={"permission": "stocktake.read"})
    async def list_counts(
        self, request: Request,
        site: Annotated[str | None, QueryParameter(max_length=12)] = None,
        status: Annotated[str | None, QueryParameter(pattern=r"^(open|closed|cancelled)$")] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 20,
    ) -> StocktakePage:
        """Counts, newest first, one page at a time."""
        rows, total = await svc.list_counts(site_code=site, status=status, page=page,
                                            per_page=per_page)
        gettext = _gettext(request)
        return StocktakePage(items=[count_read(r, gettext) for r in rows], total=total,
                             page=page, per_page=per_page)

    @post("/", opt={"permission": "stocktake.write"}, status_code=201)
    async def start(self, request: Request, data: JSONBody[StocktakeCreate]) -> StocktakeRead:
        """Start a count: the items recorded on the site's shelves now are what it expects."""
        row = await svc.start_count(request.user, data.site_code, note=data.note)
        return count_read(row, _gettext(request))

    @get("/{stocktake_id:int}", opt={"permission": "stocktake.read"})
    async def get_count(self, request: Request, stocktake_id: FromPath[int]) -> StocktakeRead:
        """One count with its totals (live while it is open)."""
        return count_read(await svc.get_count(stocktake_id), _gettext(request))

    @post("/{stocktake_id:int}/scans", opt={"permission": "stocktake.write"}, status_code=200)
    async def scan(self, request: Request, stocktake_id: FromPath[int],
                   data: JSONBody[ScanRequest]) -> ScanRead:
        """Record a scanned item once; a second scan of it answers ``duplicate``."""
        answer = await svc.scan(request.user, stocktake_id, data.code,
                                request.app.state.settings.tag_prefix)
        gettext = _gettext(request)
        previous = answer["previous"]
        return ScanRead(
            tag=answer["tag"], kind=answer["kind"], outcome=answer["outcome"],
            label=explain(answer["outcome"], answer["state"], answer["site_code"], gettext),
            state=answer["state"], site_code=answer["site_code"],
            previous=PreviousScan(**previous) if previous else None,
            count=count_read(await svc.get_count(stocktake_id), gettext))

    @get("/{stocktake_id:int}/lines", opt={"permission": "stocktake.read"})
    async def lines(
        self, request: Request, stocktake_id: FromPath[int],
        which: Annotated[str, QueryParameter(pattern=WHICH)] = "missing",
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> LinePage:
        """A count's found, missing (not scanned yet, while open), left or unexpected items."""
        rows, total = await svc.lines(stocktake_id, which, page=page, per_page=per_page)
        gettext = _gettext(request)
        return LinePage(which=which, items=[LineRead(**r, label=line_label(r, gettext))
                                            for r in rows],
                        total=total, page=page, per_page=per_page)

    @post("/{stocktake_id:int}/close", opt={"permission": "stocktake.close"}, status_code=200)
    async def close(self, request: Request, stocktake_id: FromPath[int]) -> StocktakeRead:
        """Close the count and write its report; missing items get a history entry, and no
        item changes state."""
        return count_read(await svc.close_count(request.user, stocktake_id), _gettext(request))

    @post("/{stocktake_id:int}/cancel", opt={"permission": "stocktake.close"}, status_code=200)
    async def cancel(self, request: Request, stocktake_id: FromPath[int]) -> StocktakeRead:
        """Abandon an open count without a report."""
        return count_read(await svc.cancel_count(request.user, stocktake_id), _gettext(request))
