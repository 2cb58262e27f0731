"""Data wipes: record one (passed or not), the queue of devices to wipe, a certificate's data."""

from __future__ import annotations

from datetime import date
from typing import Any

from inventory.db.tables import Item, ItemEvent, LoanLine, RepairTicket, WipeRecord
from inventory.domain import wipes as rules
from inventory.domain.errors import InvalidTag, N_, NotFound
from inventory.domain.lifecycle import WIPE, Family, State
from inventory.domain.repairs import ACTIVE
from inventory.domain.tags import decode
from inventory.services.common import Actor, today, unit_of_work, utcnow
from inventory.services.items import apply_transition, get_item, record_event

# The queue's order, in SQL so that a page of it is read alone: devices that came back
# first (their last "returned" event) come first.
_QUEUE_WHERE = """
FROM item i JOIN site s ON s.id = i.site
WHERE i.state = 'returned' AND i.family = 'device' AND ({} = '' OR s.code = {})
"""
_RETURNED_AT = ("(SELECT MAX(e.at) FROM item_event e "
                "WHERE e.item = i.id AND e.to_state = 'returned')")
_QUEUE_PAGE = (f"SELECT i.id {_QUEUE_WHERE} ORDER BY {_RETURNED_AT} IS NULL, {_RETURNED_AT}, "
               "i.id LIMIT {} OFFSET {}")
_QUEUE_COUNT = f"SELECT COUNT(*) AS n {_QUEUE_WHERE}"


async def item_by_code(tag: str, prefix: str) -> dict[str, Any]:
    """The item for any accepted spelling of its tag, or NotFound."""
    try:
        canonical = str(decode(tag, prefix))
    except InvalidTag:
        raise NotFound(N_("No item with tag “{tag}”."), tag=tag[:40]) from None
    return await get_item(canonical)


async def last_closed_line(item_id: int) -> int | None:
    """The item's most recently closed loan line, if it was ever lent."""
    row = await LoanLine.select(LoanLine.id).where(
        (LoanLine.item == item_id) & LoanLine.closed_at.is_not_null()
    ).order_by(LoanLine.closed_at, ascending=False).order_by(
        LoanLine.id, ascending=False).first()
    return row["id"] if row else None


async def open_ticket(item_id: int) -> dict[str, Any] | None:
    """The item's repair ticket still being worked on, if any."""
    return await RepairTicket.select(RepairTicket.id, RepairTicket.opened_at).where(
        (RepairTicket.item == item_id) & RepairTicket.status.is_in(list(ACTIVE))).first()


async def last_wipe(item_id: int) -> rules.WipeFacts | None:
    """The item's latest recorded wipe, as the rules see it."""
    row = await WipeRecord.select(
        WipeRecord.passed, WipeRecord.check_passed, WipeRecord.created_at,
    ).where(WipeRecord.item == item_id).order_by(WipeRecord.id, ascending=False).first()
    if row is None:
        return None
    return rules.WipeFacts(row["passed"], row["check_passed"], row["created_at"])


async def record_wipe(actor: Actor, tag: str, prefix: str, *, method: str, tool: str,
                      wiped_on: date, passed: bool, check_passed: bool,
                      notes: str = "") -> dict[str, Any]:
    """Record a wipe and its quick check; a passed one makes the device available again."""
    method = rules.check_method(method)
    tool = rules.check_wipe_input(tool, wiped_on, today())
    async with unit_of_work():
        item = await item_by_code(tag, prefix)
        if item["family"] != Family.DEVICE or item["state"] not in rules.WIPEABLE:
            raise rules.NotWipeable(item["tag"], item["state"])
        ticket = await open_ticket(item["id"]) if item["state"] == State.IN_REPAIR else None
        row = WipeRecord(item=item["id"], loan_line=await last_closed_line(item["id"]),
                         method=method, tool=tool, operator=actor.user_id,
                         wiped_on=wiped_on, passed=passed,
                         check_passed=check_passed, notes=notes.strip()[:2000],
                         created_at=utcnow())
        await row.save()
        reference = rules.certificate_reference(row.id)
        await record_event(item["id"], actor, "wipe_recorded", site=item["site"],
                           reason=reference, note=row.notes,
                           details={"wipe": row.id, "method": method, "passed": passed,
                                    "check_passed": check_passed})
        target = rules.wipe_target(passed, check_passed, item["state"],
                                   ticket is not None)
        if target is not None:
            await apply_transition(actor, item, target, via=WIPE, reason=reference)
        message = rules.outcome_message(passed, check_passed, item["state"],
                                        ticket is not None)
    return {**await wipe_record(row.id), "item_state": target or item["state"],
            "released": target is not None, "message": message}


async def wipe_record(wipe_id: int) -> dict[str, Any]:
    """One wipe with what its certificate prints: the item, method, tool, operator, result."""
    row = await WipeRecord.select(
        WipeRecord.id, WipeRecord.method, WipeRecord.tool, WipeRecord.wiped_on,
        WipeRecord.passed, WipeRecord.check_passed, WipeRecord.notes, WipeRecord.created_at,
        WipeRecord.loan_line,
        WipeRecord.item.tag.as_alias("tag"), WipeRecord.item.kind.as_alias("kind"),
        WipeRecord.item.brand.as_alias("brand"), WipeRecord.item.model.as_alias("model"),
        WipeRecord.item.serial.as_alias("serial"),
        WipeRecord.item.site.name.as_alias("site_name"),
        WipeRecord.item.site.address.as_alias("site_address"),
        WipeRecord.operator.display_name.as_alias("operator_name"),
        WipeRecord.operator.username.as_alias("operator_username"),
    ).where(WipeRecord.id == wipe_id).first()
    if row is None:
        raise NotFound(N_("No wipe with number {id}."), id=wipe_id)
    row["reference"] = rules.certificate_reference(row["id"])
    row["operator_name"] = row["operator_name"] or row["operator_username"] or ""
    row["released"] = rules.releases(row["passed"], row["check_passed"])
    return row


async def _returned_since(item_ids: list[int]) -> dict[int, Any]:
    """When each item last became "returned"."""
    if not item_ids:
        return {}
    events = await ItemEvent.select(ItemEvent.item, ItemEvent.at).where(
        ItemEvent.item.is_in(item_ids) & (ItemEvent.to_state == State.RETURNED))
    since: dict[int, Any] = {}
    for event in events:
        if event["item"] not in since or event["at"] > since[event["item"]]:
            since[event["item"]] = event["at"]
    return since


async def wipe_queue(site_code: str | None = None, *, page: int = 1,
                     per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of the devices back from a loan and waiting for their wipe, longest waiting
    first, and how many there are."""
    site = site_code or ""
    found = await Item.raw(_QUEUE_PAGE, site, site, per_page, (page - 1) * per_page)
    total = (await Item.raw(_QUEUE_COUNT, site, site))[0]["n"]
    ids = [r["id"] for r in found]
    rows = await Item.select(
        Item.id, Item.tag, Item.kind, Item.brand, Item.model, Item.serial,
        Item.site.code.as_alias("site_code"),
    ).where(Item.id.is_in(ids or [0]))
    since = await _returned_since(ids)
    tries = await WipeRecord.select(WipeRecord.item, WipeRecord.created_at).where(
        WipeRecord.item.is_in(ids or [0]))
    for row in rows:
        row["since"] = since.get(row["id"])
        row["failed_attempts"] = sum(
            1 for t in tries if t["item"] == row["id"]
            and (row["since"] is None or t["created_at"] >= row["since"]))
    place = {item_id: n for n, item_id in enumerate(ids)}
    return sorted(rows, key=lambda r: place[r["id"]]), total
