"""Item use cases: register, edit, change state, transfer, read history, reveal a voucher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import WhereRaw

from inventory.db import sql
from inventory.db.tables import CardVoucher, Item, ItemEvent, RepairTicket, Site
from inventory.domain.access import Role
from inventory.domain.errors import Conflict, InvalidInput, N_, NotFound
from inventory.domain.lifecycle import (
    INITIAL_STATE, KIND_FAMILY, Family, Kind, State, check_transition,
)
from inventory.domain.item_list import contains_pattern
from inventory.domain.tags import decode, encode
from inventory.domain.waiting import check_transferable
from inventory.services.common import Actor, engine, next_counter, unit_of_work, utcnow
from inventory.services.history import append_item_event

# Fields a person may edit after intake; state, tag, family and history are never among them.
DEVICE_FIELDS = (
    "brand", "model", "serial", "cpu", "ram_gb", "storage_gb", "screen_inches",
    "battery_health", "os_image", "cosmetic_grade", "functional_grade", "intake_batch",
    "donor", "accessories", "notes",
)
CARD_FIELDS = (
    "model", "operator", "iccid", "phone_number", "data_allowance_mb", "price_cents",
    "validity_days", "activated_on", "expires_on", "intake_batch", "notes",
)
EDITABLE = {Family.DEVICE: DEVICE_FIELDS, Family.CARD: CARD_FIELDS}
# Columns read for lists and pages: never the voucher (which lives in another table anyway).
PUBLIC_COLUMNS = tuple(c for c in Item._meta.columns if c._meta.name != "id")


@dataclass(frozen=True, slots=True)
class ItemFilter:
    family: str | None = None
    kind: str | None = None
    state: str | None = None
    site_code: str | None = None
    intake_batch: str | None = None
    tags: tuple[str, ...] = ()
    text: str = ""  # part of the tag, brand, model or serial, case ignored
    grade: str | None = None  # cosmetic grade
    sort: str = "id"  # a key of SORTS
    page: int = 1
    per_page: int = 50


async def _site_id(code: str) -> int:
    row = await Site.select(Site.id).where(Site.code == code).first()
    if row is None:
        raise NotFound(N_("No site with code “{code}”."), code=code)
    return row["id"]


async def _next_tag(prefix: str) -> str:
    """Allocate the next free tag number; pre-printed tags already in use are skipped."""
    while True:
        tag = encode(prefix, await next_counter("item_tag"))
        if not await Item.exists().where(Item.tag == tag):
            return tag


async def record_event(item_id: int, actor: Actor, action: str, **fields: Any) -> None:
    """Append one history entry to the item's hash chain (inside the use case's transaction)."""
    await append_item_event(item_id, actor.user_id, action, **fields)


def _check_fields(family: Family, data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(EDITABLE[family]))
    if unknown:
        raise InvalidInput(
            N_("These fields do not apply to this kind of item: {fields}."),
            fields=", ".join(unknown),
        )


async def register_item(
    actor: Actor, *, kind: str, site_code: str, prefix: str, tag: str | None = None,
    voucher_code: str | None = None, **data: Any,
) -> dict[str, Any]:
    """Register a new item at intake (state: received, or in stock for a card)."""
    try:
        family = KIND_FAMILY[Kind(kind)]
    except ValueError:
        raise InvalidInput(N_("Unknown kind of item: “{kind}”."), kind=kind) from None
    _check_fields(family, data)
    if voucher_code and family is not Family.CARD:
        raise InvalidInput(N_("Only connection cards have a voucher code."))
    async with unit_of_work():
        site_id = await _site_id(site_code)
        final_tag = str(decode(tag, prefix)) if tag else await _next_tag(prefix)
        if tag and await Item.exists().where(Item.tag == final_tag):
            raise Conflict(N_("An item with this asset tag already exists."))
        now, state = utcnow(), INITIAL_STATE[family]
        row = Item(tag=final_tag, family=family, kind=kind, state=state, site=site_id,
                   created_at=now, updated_at=now, **data)
        await row.save()
        if voucher_code:
            await CardVoucher.insert(CardVoucher(item=row.id, code=voucher_code))
        await record_event(row.id, actor, "created", to_state=state, site=site_id)
    return await get_item(final_tag)


async def get_item(tag: str) -> dict[str, Any]:
    """One item with its site code, or NotFound."""
    row = await Item.select(*PUBLIC_COLUMNS, Item.id, Item.site.code.as_alias("site_code"),
                            Item.site.name.as_alias("site_name")).where(Item.tag == tag).first()
    if row is None:
        raise NotFound(N_("No item with tag “{tag}”."), tag=tag)
    return row


# Orders a list may be read in: (column, ascending), the id breaking ties so pages are stable.
SORTS: dict[str, tuple[Any, bool]] = {
    "id": (Item.id, True), "tag": (Item.tag, True), "-tag": (Item.tag, False),
    "updated": (Item.updated_at, True), "-updated": (Item.updated_at, False),
}
# A text search looks in these columns; LIKE with an escape character both databases know.
_TEXT_SQL = ("(lower(item.tag) LIKE {} ESCAPE '\\' OR lower(item.brand) LIKE {} ESCAPE '\\' "
             "OR lower(item.model) LIKE {} ESCAPE '\\' "
             "OR lower(coalesce(item.serial, '')) LIKE {} ESCAPE '\\')")


def _conditions(flt: ItemFilter) -> list[Any]:
    conditions: list[Any] = []
    for column, value in ((Item.family, flt.family), (Item.kind, flt.kind),
                          (Item.state, flt.state), (Item.intake_batch, flt.intake_batch),
                          (Item.site.code, flt.site_code), (Item.cosmetic_grade, flt.grade)):
        if value:
            conditions.append(column == value)
    if flt.tags:
        conditions.append(Item.tag.is_in(list(flt.tags)))
    if flt.text.strip():
        pattern = contains_pattern(flt.text)
        conditions.append(WhereRaw(_TEXT_SQL, pattern, pattern, pattern, pattern))
    return conditions


async def list_items(flt: ItemFilter) -> tuple[list[dict[str, Any]], int]:
    """One page of items matching the filter, and the total count."""
    query = Item.select(*PUBLIC_COLUMNS, Item.site.code.as_alias("site_code"),
                        Item.site.name.as_alias("site_name"))
    count = Item.count()
    for condition in _conditions(flt):
        query, count = query.where(condition), count.where(condition)
    column, ascending = SORTS.get(flt.sort, SORTS["id"])
    query = query.order_by(column, ascending=ascending)
    if column is not Item.id and column is not Item.tag:
        query = query.order_by(Item.id, ascending=ascending)
    offset = (flt.page - 1) * flt.per_page
    rows = await query.limit(flt.per_page).offset(offset)
    return rows, await count


async def update_item(actor: Actor, tag: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Edit descriptive fields; the history records which fields changed."""
    async with unit_of_work():
        item = await get_item(tag)
        _check_fields(Family(item["family"]), changes)
        changed = {k: v for k, v in changes.items() if item.get(k) != v}
        if changed:
            await Item.update({**changed, Item.updated_at: utcnow()}).where(Item.id == item["id"])
            await record_event(item["id"], actor, "updated", site=item["site"],
                               details={"fields": sorted(changed)})
    return await get_item(tag)


async def change_state(
    actor: Actor, tag: str, target: str, *, reason: str = "", note: str = "",
    via: str | None = None,
) -> dict[str, Any]:
    """Move an item through the lifecycle table, with its history entry, in one transaction."""
    async with unit_of_work():
        item = await get_item(tag)
        if item["state"] == State.IN_REPAIR and await RepairTicket.exists().where(
                (RepairTicket.item == item["id"]) & RepairTicket.closed_at.is_null()):
            raise Conflict(N_("{tag} has an open repair ticket: close the ticket to take it "
                              "out of repair."), tag=item["tag"])
        await apply_transition(actor, item, target, reason=reason, note=note, via=via)
    return await get_item(tag)


async def apply_transition(
    actor: Actor, item: dict[str, Any], target: str, *, reason: str = "", note: str = "",
    via: str | None = None, site_id: int | None = None,
) -> None:
    """The state change and its history row; the caller holds the transaction."""
    current = item["state"]
    new_state = check_transition(Family(item["family"]), current, target, via=via)
    values: dict[Any, Any] = {Item.state: new_state, Item.updated_at: utcnow()}
    if site_id is not None:
        values[Item.site] = site_id
    # Compare-and-set: a concurrent change since we read the item makes this update miss.
    updated = await Item.update(values).where(
        (Item.id == item["id"]) & (Item.state == current)
    ).returning(Item.id)
    if not updated:
        raise Conflict(N_("This item was changed by someone else meanwhile; scan it again."))
    await record_event(item["id"], actor, "transition", from_state=current, to_state=new_state,
                       site=site_id or item["site"], reason=reason[:200], note=note)


async def history(tag: str, *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """A page of an item's history, newest first."""
    item = await get_item(tag)
    return await ItemEvent.select(
        ItemEvent.id, ItemEvent.at, ItemEvent.action, ItemEvent.from_state,
        ItemEvent.to_state, ItemEvent.reason, ItemEvent.note, ItemEvent.details,
        ItemEvent.actor.username.as_alias("actor"), ItemEvent.site.code.as_alias("site_code"),
    ).where(ItemEvent.item == item["id"]).order_by(ItemEvent.id, ascending=False).limit(
        limit).offset(offset)


async def read_voucher(actor: Actor, item_id: int, *, site: int | None,
                       reason: str) -> str | None:
    """A card's voucher code (None if it has none), the reading written to the card's history
    in the same transaction: the one place that reads a code."""
    async with unit_of_work():
        row = await sql.fetchrow(engine(), "SELECT code FROM card_voucher WHERE item = $1",
                                 item_id)
        if row is None:
            return None
        await record_event(item_id, actor, "voucher_revealed", site=site, reason=reason[:200])
    return row["code"]


async def reveal_voucher(actor: Actor, tag: str, *, reason: str) -> str:
    """A card's voucher code, read by tag (an administrator, later than the handover)."""
    async with unit_of_work():
        item = await get_item(tag)
        code = await read_voucher(actor, item["id"], site=item["site"], reason=reason)
    if code is None:
        raise NotFound(N_("This item has no voucher code."))
    return code


async def transfer_item(actor: Actor, tag: str, site_code: str, *,
                        note: str = "") -> dict[str, Any]:
    """Move an item in the association's hands to another site, with its history entry."""
    async with unit_of_work():
        item = await get_item(tag)
        if actor.role == Role.FRONT_DESK and item["site"] != actor.site_id:
            raise Conflict(N_("{tag} belongs to another site: only that site, a coordinator "
                              "or a technician can transfer it."), tag=tag)
        check_transferable(item["tag"], item["state"])
        site_id = await _site_id(site_code)
        if site_id == item["site"]:
            raise InvalidInput(N_("{tag} is already at site {site}."), tag=tag, site=site_code)
        # Compare-and-set: a concurrent change of state or site makes this update miss.
        updated = await Item.update({Item.site: site_id, Item.updated_at: utcnow()}).where(
            (Item.id == item["id"]) & (Item.site == item["site"])
            & (Item.state == item["state"])).returning(Item.id)
        if not updated:
            raise Conflict(N_("This item was changed by someone else meanwhile; scan it again."))
        await record_event(item["id"], actor, "transfer", site=site_id, note=note.strip()[:500],
                           details={"from": item["site_code"], "to": site_code})
    return await get_item(tag)
