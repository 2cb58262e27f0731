"""Connection cards after intake: an operator's batch, activation, top-ups, depletion, expiry.

Voucher codes go from the batch straight into CardVoucher: no answer, list, error or history
entry of this module ever carries one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from inventory.db.tables import CardTopUp, Item, LoanLine, Site
from inventory.domain import cards as rules
from inventory.domain.errors import (
    Conflict, DomainError, Gettext, InvalidInput, N_, NotFound,
)
from inventory.domain.lifecycle import Family, State
from inventory.domain.loans import LineOutcome
from inventory.domain.spreadsheet import FileRejected, LineError, read_table
from inventory.services.common import Actor, today, unit_of_work, utcnow
from inventory.services.items import apply_transition, get_item, record_event, register_item
from inventory.services.loans import close_line

_CHUNK = 500  # ICCIDs per look-up: well under SQLite's limit on query parameters


class BatchRejected(FileRejected):
    """The batch had errors; no card of it was received."""


# --- an operator's batch ----------------------------------------------------------------

def _header_error(columns: list[str] | None, gettext: Gettext) -> LineError | None:
    if not columns:
        return LineError(1, gettext(N_("The file is empty.")))
    missing = [c for c in rules.REQUIRED_COLUMNS if c not in columns]
    if missing or not {"price_cents", "price_eur"} & set(columns):
        return LineError(1, gettext(N_("The first line must name the columns: {columns}, and "
                                       "price_cents or price_eur.")).format(
            columns=", ".join(rules.REQUIRED_COLUMNS)))
    unknown = sorted(set(columns) - set(rules.BATCH_COLUMNS))
    if unknown:
        return LineError(1, gettext(N_("Unknown column(s): {columns}.")).format(
            columns=", ".join(unknown)[:200]))
    return None


def read_batch(text: str, gettext: Gettext) -> tuple[list[tuple[int, rules.CardRow]],
                                                      list[LineError]]:
    """Check every line of the file; errors carry the line number."""
    reader = read_table(text)
    problem = _header_error(reader.fieldnames, gettext)
    if problem:
        return [], [problem]
    rows, errors, seen = [], [], {}
    for cells in reader:
        line = reader.line_num
        try:
            if None in cells:
                raise InvalidInput(N_("This line has more cells than there are columns."))
            # A cell missing mid-line would shift the voucher code into a cell that is echoed.
            if None in cells.values():
                raise InvalidInput(N_("This line has fewer cells than there are columns."))
            row = rules.card_row(cells)
        except DomainError as exc:
            errors.append(LineError(line, exc.render(gettext)))
            continue
        if row.iccid in seen:
            errors.append(LineError(line, gettext(N_("ICCID {iccid} is already on line "
                                                     "{line}.")).format(iccid=row.iccid,
                                                                        line=seen[row.iccid])))
            continue
        seen[row.iccid] = line
        rows.append((line, row))
    if not rows and not errors:
        errors.append(LineError(1, gettext(N_("The file has no card."))))
    return rows, errors


async def _known_iccids(iccids: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(iccids), _CHUNK):
        found = await Item.select(Item.iccid).where(
            Item.iccid.is_in(iccids[start:start + _CHUNK]))
        known.update(r["iccid"] for r in found)
    return known


def _check_batch_name(intake_batch: str) -> str:
    name = " ".join(intake_batch.split())
    if not name or len(name) > 80:
        raise InvalidInput(N_("Name the batch (1 to 80 characters), as on the operator's "
                              "delivery note."))
    return name


async def receive_batch(actor: Actor, *, site_code: str, intake_batch: str, text: str,
                        prefix: str, gettext: Gettext) -> list[str]:
    """Receive every card of the file in stock at the site, or none; returns the new tags."""
    batch = _check_batch_name(intake_batch)
    rows, errors = read_batch(text, gettext)
    async with unit_of_work():
        if not await Site.exists().where(Site.code == site_code):
            raise NotFound(N_("No site with code “{code}”."), code=site_code[:12])
        known = await _known_iccids([row.iccid for _line, row in rows])
        message = gettext(N_("A card with this ICCID already exists."))
        errors += [LineError(line, message) for line, row in rows if row.iccid in known]
        if errors:
            raise BatchRejected(errors)
        tags = []
        for line, row in rows:
            try:
                card = await register_item(actor, kind=row.kind, site_code=site_code,
                                           prefix=prefix, voucher_code=row.voucher_code,
                                           intake_batch=batch, **row.item_fields())
            except DomainError as exc:
                raise BatchRejected([LineError(line, exc.render(gettext))]) from exc
            tags.append(card["tag"])
    return tags


# --- after the handover -----------------------------------------------------------------

async def _card(tag: str) -> dict[str, Any]:
    item = await get_item(tag)
    if item["family"] != Family.CARD:
        raise InvalidInput(N_("{tag} is not a connection card."), tag=tag)
    return item


async def activate(actor: Actor, tag: str, *, on: date | None = None,
                   expires_on: date | None = None, note: str = "") -> dict[str, Any]:
    """The person activated the card: its activation and expiry dates are recorded."""
    day = today()
    on = rules.check_activation_day(on or day, day)
    async with unit_of_work():
        card = await _card(tag)
        if card["state"] != State.ISSUED:
            raise rules.WrongCardState(rules.NOT_ACTIVATABLE, card["tag"], card["state"])
        expires = rules.expiry_date(on, card["validity_days"], given=expires_on,
                                    current=card["expires_on"])
        await Item.update({Item.activated_on: on, Item.expires_on: expires}).where(
            Item.id == card["id"])
        await record_event(card["id"], actor, "updated", site=card["site"],
                           details={"fields": ["activated_on", "expires_on"]})
        await apply_transition(actor, card, State.ACTIVATED, note=note.strip()[:2000])
    return await get_item(tag)


async def top_up(actor: Actor, tag: str, *, amount_cents: int, on: date | None = None,
                 data_mb: int | None = None) -> dict[str, Any]:
    """Credit added to a card; a depleted card is active again."""
    day = today()
    on = on or day
    rules.check_top_up(amount_cents, data_mb, on, day)
    async with unit_of_work():
        card = await _card(tag)
        if card["state"] in rules.NO_TOP_UP:
            raise rules.WrongCardState(rules.NOT_TOPPABLE, card["tag"], card["state"])
        await CardTopUp.insert(CardTopUp(
            item=card["id"], amount_cents=amount_cents, data_mb=data_mb, topped_up_on=on,
            recorded_by=actor.user_id, created_at=utcnow()))
        await record_event(card["id"], actor, "topped_up", site=card["site"], details={
            "amount_cents": amount_cents, "data_mb": data_mb, "on": on.isoformat()})
        if card["state"] == State.DEPLETED:
            await apply_transition(actor, card, State.ACTIVATED)
    return await get_item(tag)


async def mark_depleted(actor: Actor, tag: str, *, note: str = "") -> dict[str, Any]:
    """The card's credit or data is used up (a top-up brings it back)."""
    async with unit_of_work():
        card = await _card(tag)
        await apply_transition(actor, card, State.DEPLETED, note=note.strip()[:2000])
    return await get_item(tag)


# --- the daily expiry -------------------------------------------------------------------

async def _expire_one(actor: Actor, tag: str, day: date) -> bool:
    async with unit_of_work():
        card = await get_item(tag)
        if card["state"] not in rules.EXPIRABLE or not rules.is_expired(card["expires_on"],
                                                                        day):
            return False
        await apply_transition(actor, card, State.EXPIRED,
                               reason=card["expires_on"].isoformat())
        line = await LoanLine.select(LoanLine.id, LoanLine.loan).where(
            (LoanLine.item == card["id"]) & LoanLine.closed_at.is_null()).first()
        if line is not None:
            await close_line(line["id"], line["loan"], LineOutcome.EXPIRED)
    return True


async def expire_cards(actor: Actor) -> int:
    """Every card past its expiry date becomes expired, its loan line closed; safe to rerun."""
    day = today()
    due = await Item.select(Item.tag).where(
        (Item.family == Family.CARD) & Item.state.is_in(list(rules.EXPIRABLE))
        & Item.expires_on.is_not_null() & (Item.expires_on < day)).order_by(Item.id)
    count = 0
    for row in due:
        try:
            count += await _expire_one(actor, row["tag"], day)
        except Conflict:
            continue  # changed meanwhile: tomorrow's run looks at it again
    return count
