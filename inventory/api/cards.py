"""JSON API for connection cards: receive an operator's batch, activate, top up, mark depleted."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, Response, post
from litestar.params import FromPath, JSONBody
from msgspec import Meta, Struct

from inventory.api.errors import error_response, locale_of
from inventory.api.items import item_read, resolve_or_404
from inventory.api.schemas import ItemRead, Strict
from inventory.domain.cards import MAX_TOP_UP_CENTS
from inventory.domain.errors import N_
from inventory.i18n import gettext_for
from inventory.services import cards as svc

Note = Annotated[str, Meta(max_length=2000)]


class BatchCreate(Strict, kw_only=True):
    """An operator's batch as CSV text: operator, product, iccid, phone_number,
    data_allowance_mb, price_cents or price_eur (15,00), validity_days, expires_on,
    voucher_code (and kind: sim or data_card, sim by default)."""

    site_code: Annotated[str, Meta(max_length=12)]
    intake_batch: Annotated[str, Meta(min_length=1, max_length=80)]
    csv: Annotated[str, Meta(max_length=1_900_000)]


class BatchRead(Struct, kw_only=True):
    site_code: str
    intake_batch: str
    count: int
    tags: list[str]


class ActivationCreate(Strict, kw_only=True):
    on: dt.date | None = None  # today if not given
    expires_on: dt.date | None = None  # else the activation date plus the card's validity
    note: Note = ""


class TopUpCreate(Strict, kw_only=True):
    amount_cents: Annotated[int, Meta(ge=1, le=MAX_TOP_UP_CENTS)]
    on: dt.date | None = None  # today if not given
    data_mb: Annotated[int, Meta(ge=0, le=10_000_000)] | None = None


class DepletedCreate(Strict, kw_only=True):
    note: Note = ""


class CardController(Controller):
    path = "/api/v1/cards"
    tags = ["cards"]

    @post("/batches", opt={"permission": "cards.receive"}, status_code=201)
    async def receive(self, request: Request, data: JSONBody[BatchCreate]) -> Response:
        """Receive an operator's batch in stock, all or nothing; errors are listed by line.
        Voucher codes are stored apart and never sent back."""
        gettext = gettext_for(locale_of(request))
        try:
            tags = await svc.receive_batch(
                request.user, site_code=data.site_code, intake_batch=data.intake_batch,
                text=data.csv, prefix=request.app.state.settings.tag_prefix, gettext=gettext)
        except svc.BatchRejected as exc:
            detail = gettext(N_("Nothing was imported: {count} error(s).")).format(
                count=len(exc.errors))
            return error_response(request, 422, detail, extra=[
                {"line": e.line, "message": e.message} for e in exc.errors])
        body = BatchRead(site_code=data.site_code, intake_batch=" ".join(
            data.intake_batch.split()), count=len(tags), tags=tags)
        return Response(body, status_code=201)

    @post("/{tag:str}/activate", opt={"permission": "cards.update"}, status_code=200)
    async def activate(self, request: Request, tag: FromPath[str],
                       data: JSONBody[ActivationCreate]) -> ItemRead:
        """The person activated the card: its expiry follows from its validity."""
        row = await svc.activate(request.user, self._tag(request, tag), on=data.on,
                                 expires_on=data.expires_on, note=data.note)
        return self._read(request, row)

    @post("/{tag:str}/top-ups", opt={"permission": "cards.update"}, status_code=201)
    async def top_up(self, request: Request, tag: FromPath[str],
                     data: JSONBody[TopUpCreate]) -> ItemRead:
        """Record credit added to the card; a depleted card is active again."""
        row = await svc.top_up(request.user, self._tag(request, tag),
                               amount_cents=data.amount_cents, on=data.on, data_mb=data.data_mb)
        return self._read(request, row)

    @post("/{tag:str}/depleted", opt={"permission": "cards.update"}, status_code=200)
    async def depleted(self, request: Request, tag: FromPath[str],
                       data: JSONBody[DepletedCreate]) -> ItemRead:
        """The card's credit is used up."""
        row = await svc.mark_depleted(request.user, self._tag(request, tag), note=data.note)
        return self._read(request, row)

    @staticmethod
    def _tag(request: Request, tag: str) -> str:
        return resolve_or_404(tag, request.app.state.settings.tag_prefix)

    @staticmethod
    def _read(request: Request, row: dict) -> ItemRead:
        return item_read(row, request.app.state.settings.base_url, locale_of(request))
