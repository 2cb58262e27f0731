"""Item use cases: register, edit, change state, transfer, read history, reveal a voucher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inventory.db.tables import CardVoucher, Item, ItemEvent, RepairTicket, Site
from inventory.domain.access import Role
from inventory.domain.errors import Conflict, InvalidInput, N_, NotFound
from inventory.domain.lifecycle import (
    INITIAL_STATE, KIND_FAMILY, Family, Kind, State, check_transition,
)
from inventory.domain.tags import decode, encode
from inventory.domain.waiting import check_transferable
from inventory.services.common import Actor, next_counter, unit_of_work, utcnow
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


async def list_items(flt: ItemFilter) -> tuple[list[dict[str, Any]], int]:
    """One page of items matching the filter, and the total count."""
    conditions = []
    for column, value in ((Item.family, flt.family), (Item.kind, flt.kind),
                          (Item.state, flt.state), (Item.intake_batch, flt.intake_batch),
                          (Item.site.code, flt.site_code)):
        if value:
            conditions.append(column == value)
    if flt.tags:
        conditions.append(Item.tag.is_in(list(flt.tags)))
    query = Item.select(*PUBLIC_COLUMNS, Item.site.code.as_alias("site_code"),
                        Item.site.name.as_alias("site_name"))
    count = Item.count()
    for condition in conditions:
        query, count = query.where(condition), count.where(condition)
    offset = (flt.page - 1) * flt.per_page
    rows = await query.order_by(Item.id).limit(flt.per_page).offset(offset)
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


async def history(tag: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """An item's history, newest first."""
    item = await get_item(tag)
    return await ItemEvent.select(
        ItemEvent.id, ItemEvent.at, ItemEvent.action, ItemEvent.from_state,
        ItemEvent.to_state, ItemEvent.reason, ItemEvent.note, ItemEvent.details,
        ItemEvent.actor.username.as_alias("actor"), ItemEvent.site.code.as_alias("site_code"),
    ).where(ItemEvent.item == item["id"]).order_by(ItemEvent.id, ascending=False).limit(limit)


async def reveal_voucher(actor: Actor, tag: str, *, reason: str) -> str:
    """A card's voucher code; the reading itself is written to the card's history."""
    async with unit_of_work():
        item = await get_item(tag)
        row = await CardVoucher.select(CardVoucher.code).where(
            CardVoucher.item == item["id"]).first()
        if row is None:
            raise NotFound(N_("This item has no voucher code."))
        await record_event(item["id"], actor, "voucher_revealed", site=item["site"],
                           reason=reason[:200])
    return row["code"]


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
