"""JSON API for items: register, read, list, edit, change state, transfer, history, scan,
voucher."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import Meta

from inventory.api.paging import PageParam, PerPageParam
from inventory.api.schemas import (
    EventRead, ItemCreate, ItemPage, ItemRead, ItemUpdate, Strict, TransitionRequest,
    VoucherRead, VoucherRequest, decode_json, to_item_fields,
)
from inventory.domain.errors import InvalidTag, N_, NotFound
from inventory.domain.lifecycle import STATE_LABELS, Family, allowed_moves
from inventory.domain.scan import item_url, resolve_code
from inventory.i18n import gettext_for, negotiate
from inventory.services import items as svc

HISTORY_PAGE = 100  # a device's whole life usually fits in one page
_ITEM_SQL = """
SELECT i.*, s.code AS site_code FROM item i JOIN site s ON s.id = i.site WHERE i.tag = $1
"""


class TransferRequest(Strict, kw_only=True):
    """Move an item to another site."""

    site_code: Annotated[str, Meta(min_length=1, max_length=12)]
    note: Annotated[str, Meta(max_length=500)] = ""


def item_read(row: dict[str, Any], base_url: str, locale: str) -> ItemRead:
    """Build the API view of an item row (translated state label, URL, next states)."""
    translate = gettext_for(locale)
    fields = {name: row.get(name) for name in ItemRead.__struct_fields__ if name in row}
    fields["accessories"] = decode_json(row.get("accessories"), [])
    if fields.get("screen_inches") is not None:
        fields["screen_inches"] = float(fields["screen_inches"])
    return ItemRead(
        **fields,
        state_label=translate(STATE_LABELS[row["state"]]),
        url=item_url(base_url, row["tag"]),
        next_states=list(allowed_moves(Family(row["family"]), row["state"])),
    )


async def find_item(request: Request, tag: str) -> dict[str, Any]:
    """Fast read of one item by canonical tag (the scan hot path)."""
    row = await request.app.state.reader.fetch_one(_ITEM_SQL, tag)
    if row is None:
        raise NotFound(N_("No item with tag “{tag}”."), tag=tag)
    return row


def resolve_or_404(code: str, prefix: str) -> str:
    """The canonical tag in ``code``; anything that is not a tag is simply not found."""
    try:
        return resolve_code(code, prefix)
    except InvalidTag as exc:
        raise NotFound(exc.message, **exc.params) from None


def _locale(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"), request.user.locale)


class ItemController(Controller):
    path = "/api/v1/items"
    tags = ["items"]

    @post("/", opt={"permission": "items.create"}, status_code=201)
    async def register(self, request: Request, data: JSONBody[ItemCreate]) -> ItemRead:
        """Register an item at intake; the tag is allocated unless a pre-printed one is given."""
        settings = request.app.state.settings
        row = await svc.register_item(
            request.user, kind=data.kind, site_code=data.site_code,
            prefix=settings.tag_prefix, tag=data.tag, voucher_code=data.voucher_code,
            **to_item_fields(data),
        )
        return item_read(row, settings.base_url, _locale(request))

    @get("/", opt={"permission": "items.read"})
    async def list_items(
        self, request: Request,
        family: Annotated[str | None, QueryParameter(pattern=r"^(device|card)$")] = None,
        kind: Annotated[str | None, QueryParameter(max_length=20)] = None,
        state_: Annotated[str | None, QueryParameter(name="state", max_length=20)] = None,
        site: Annotated[str | None, QueryParameter(max_length=12)] = None,
        intake_batch: Annotated[str | None, QueryParameter(max_length=80)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> ItemPage:
        """Items with filters, one page at a time."""
        flt = svc.ItemFilter(family=family, kind=kind, state=state_, site_code=site,
                             intake_batch=intake_batch, page=page, per_page=per_page)
        rows, total = await svc.list_items(flt)
        settings, locale = request.app.state.settings, _locale(request)
        return ItemPage(items=[item_read(r, settings.base_url, locale) for r in rows],
                        total=total, page=page, per_page=per_page)

    @get("/{tag:str}", opt={"permission": "items.read"})
    async def get_item(self, request: Request, tag: FromPath[str]) -> ItemRead:
        """One item by its asset tag (any accepted spelling)."""
        settings = request.app.state.settings
        row = await find_item(request, resolve_or_404(tag, settings.tag_prefix))
        return item_read(row, settings.base_url, _locale(request))

    @patch("/{tag:str}", opt={"permission": "items.update"})
    async def update(self, request: Request, tag: FromPath[str], data: JSONBody[ItemUpdate]) -> ItemRead:
        """Edit an item's descriptive fields (never its state, tag or history)."""
        settings = request.app.state.settings
        row = await svc.update_item(request.user, resolve_or_404(tag, settings.tag_prefix),
                                    to_item_fields(data))
        return item_read(row, settings.base_url, _locale(request))

    @post("/{tag:str}/transitions", opt={"permission": "items.transition"}, status_code=200)
    async def transition(self, request: Request, tag: FromPath[str], data: JSONBody[TransitionRequest]) -> ItemRead:
        """Move the item to another state allowed by the lifecycle table."""
        settings = request.app.state.settings
        row = await svc.change_state(request.user, resolve_or_404(tag, settings.tag_prefix),
                                     data.to, reason=data.reason, note=data.note)
        return item_read(row, settings.base_url, _locale(request))

    @get("/{tag:str}/history", opt={"permission": "items.read"})
    async def history(self, request: Request, tag: FromPath[str], page: PageParam = 1,
                      per_page: PerPageParam = HISTORY_PAGE) -> list[EventRead]:
        """The item's history, newest first, one page at a time."""
        rows = await svc.history(resolve_or_404(tag, request.app.state.settings.tag_prefix),
                                 limit=per_page, offset=(page - 1) * per_page)
        return [EventRead(**{**r, "details": decode_json(r["details"], {})}) for r in rows]

    @post("/{tag:str}/transfer", opt={"permission": "items.transfer"}, status_code=200)
    async def transfer(self, request: Request, tag: FromPath[str], data: JSONBody[TransferRequest]) -> ItemRead:
        """Move an item that is not lent to another site; the history keeps both sites."""
        settings = request.app.state.settings
        row = await svc.transfer_item(request.user, resolve_or_404(tag, settings.tag_prefix),
                                      data.site_code, note=data.note)
        return item_read(row, settings.base_url, _locale(request))

    @post("/{tag:str}/voucher", opt={"permission": "items.voucher"}, status_code=200)
    async def voucher(self, request: Request, tag: FromPath[str], data: JSONBody[VoucherRequest]) -> VoucherRead:
        """Reveal a card's voucher code to an admin; the reading is logged in its history."""
        canonical = resolve_or_404(tag, request.app.state.settings.tag_prefix)
        code = await svc.reveal_voucher(request.user, canonical, reason=data.reason)
        return VoucherRead(tag=canonical, voucher_code=code)


class ScanController(Controller):
    path = "/api/v1/scan"
    tags = ["scan"]

    @get("/", opt={"permission": "items.scan"})
    async def scan(
        self, request: Request, code: FromQuery[str]
    ) -> ItemRead:
        """Resolve whatever a scanner or camera produced (QR URL, tag, Code 128) to an item."""
        settings = request.app.state.settings
        row = await find_item(request, resolve_or_404(code, settings.tag_prefix))
        return item_read(row, settings.base_url, _locale(request))


