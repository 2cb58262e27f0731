"""Repairs: open a ticket, work on it (diagnosis, parts, time), close it with an outcome."""

from __future__ import annotations

from typing import Any

from inventory.db.tables import RepairPart, RepairTicket
from inventory.domain import repairs as rules
from inventory.domain.errors import InvalidInput, N_, NotFound
from inventory.domain.lifecycle import State
from inventory.services.common import Actor, unit_of_work, utcnow
from inventory.services.items import apply_transition, get_item, record_event
from inventory.services.wipes import item_by_code, last_closed_line, last_wipe, open_ticket

T = RepairTicket
TICKET_COLUMNS = (
    T.id, T.item, T.problem, T.diagnosis, T.actions, T.minutes_spent, T.status, T.outcome,
    T.opened_at, T.closed_at, T.loan_line, T.item.tag.as_alias("tag"),
    T.item.kind.as_alias("kind"), T.item.brand.as_alias("brand"),
    T.item.model.as_alias("model"), T.item.state.as_alias("item_state"),
    T.site.code.as_alias("site_code"), T.opened_by.display_name.as_alias("opened_by_name"),
    T.closed_by.display_name.as_alias("closed_by_name"),
)


async def open_repair(actor: Actor, tag: str, prefix: str, problem: str, *,
                      workshop: bool) -> dict[str, Any]:
    """Send a device to repair; ``workshop`` people may take it from stock, the desk from a
    return only."""
    problem = rules.check_problem(problem)
    async with unit_of_work():
        item = await item_by_code(tag, prefix)
        current = await open_ticket(item["id"])
        if current is not None:
            raise rules.AlreadyOpen(item["tag"], rules.ticket_reference(current["id"]))
        rules.check_open(item["tag"], item["state"], workshop=workshop)
        line = await last_closed_line(item["id"]) if item["state"] == State.RETURNED else None
        ticket = RepairTicket(item=item["id"], site=item["site"], loan_line=line,
                              opened_by=actor.user_id, opened_at=utcnow(), problem=problem,
                              status=rules.RepairStatus.OPEN)
        await ticket.save()
        await apply_transition(actor, item, State.IN_REPAIR,
                               reason=rules.ticket_reference(ticket.id), note=problem)
    return await get_ticket(ticket.id)


async def get_ticket(ticket_id: int) -> dict[str, Any]:
    """One ticket with its item, parts and total cost."""
    row = await RepairTicket.select(*TICKET_COLUMNS).where(RepairTicket.id == ticket_id).first()
    if row is None:
        raise NotFound(N_("No repair ticket with number {id}."), id=ticket_id)
    row["reference"] = rules.ticket_reference(row["id"])
    row["parts"] = await RepairPart.select(
        RepairPart.id, RepairPart.name, RepairPart.cost_cents, RepairPart.added_at,
    ).where(RepairPart.ticket == ticket_id).order_by(RepairPart.id)
    row["parts_cents"] = sum(p["cost_cents"] for p in row["parts"])
    return row


async def _active_ticket(ticket_id: int) -> dict[str, Any]:
    """The ticket, if still being worked on (else TicketClosed)."""
    row = await RepairTicket.select(
        RepairTicket.id, RepairTicket.item, RepairTicket.status, RepairTicket.opened_at,
        RepairTicket.site, RepairTicket.item.tag.as_alias("tag"),
    ).where(RepairTicket.id == ticket_id).first()
    if row is None:
        raise NotFound(N_("No repair ticket with number {id}."), id=ticket_id)
    if row["status"] not in rules.ACTIVE:
        raise rules.TicketClosed(rules.ticket_reference(ticket_id))
    return row


async def update_repair(actor: Actor, ticket_id: int, *, diagnosis: str | None = None,
                        actions: str | None = None, status: str | None = None,
                        add_minutes: int = 0) -> dict[str, Any]:
    """Write the diagnosis and actions, wait for parts or resume, add time spent."""
    minutes = rules.check_minutes(add_minutes)
    async with unit_of_work():
        ticket = await _active_ticket(ticket_id)
        reference = rules.ticket_reference(ticket_id)
        values: dict[Any, Any] = {}
        if diagnosis is not None:
            values[RepairTicket.diagnosis] = diagnosis.strip()[:rules.MAX_TEXT]
        if actions is not None:
            values[RepairTicket.actions] = actions.strip()[:rules.MAX_TEXT]
        if status is not None:
            values[RepairTicket.status] = rules.check_status_change(reference,
                                                                    ticket["status"], status)
        if minutes:
            values[RepairTicket.minutes_spent] = RepairTicket.minutes_spent + minutes
        if not values:
            raise InvalidInput(N_("Nothing to change."))
        # Compare-and-set on the status: a ticket closed meanwhile is not edited.
        updated = await RepairTicket.update(values).where(
            (RepairTicket.id == ticket_id) & (RepairTicket.status == ticket["status"])
        ).returning(RepairTicket.id)
        if not updated:
            raise rules.TicketClosed(reference)
        await record_event(ticket["item"], actor, "repair_updated", site=ticket["site"],
                           reason=reference, details={
                               "fields": sorted(c._meta.name for c in values),
                               "status": status, "minutes": minutes})
    return await get_ticket(ticket_id)


async def add_part(actor: Actor, ticket_id: int, name: str, cost_cents: int) -> dict[str, Any]:
    """Note a part used in the repair, with its cost."""
    name, cost_cents = rules.check_part(name, cost_cents)
    async with unit_of_work():
        ticket = await _active_ticket(ticket_id)
        await RepairPart.insert(RepairPart(ticket=ticket_id, name=name, cost_cents=cost_cents,
                                           added_at=utcnow()))
        await record_event(ticket["item"], actor, "repair_part_added", site=ticket["site"],
                           reason=rules.ticket_reference(ticket_id),
                           details={"part": name, "cost_cents": cost_cents})
    return await get_ticket(ticket_id)


async def close_repair(actor: Actor, ticket_id: int, outcome: str,
                       note: str = "") -> dict[str, Any]:
    """Close the ticket: the device goes back to refurbishing, to stock (after a wipe) or is
    retired."""
    async with unit_of_work():
        ticket = await _active_ticket(ticket_id)
        closing = rules.closing_for(outcome, last_wipe=await last_wipe(ticket["item"]),
                                    opened_at=ticket["opened_at"])
        reference = rules.ticket_reference(ticket_id)
        updated = await RepairTicket.update({
            RepairTicket.status: closing.status, RepairTicket.outcome: outcome,
            RepairTicket.closed_by: actor.user_id, RepairTicket.closed_at: utcnow(),
        }).where((RepairTicket.id == ticket_id) & RepairTicket.status.is_in(
            list(rules.ACTIVE))).returning(RepairTicket.id)
        if not updated:
            raise rules.TicketClosed(reference)
        item = await get_item(ticket["tag"])
        await apply_transition(actor, item, closing.target, via=closing.via, reason=reference,
                               note=note.strip()[:2000])
    return await get_ticket(ticket_id)


async def list_repairs(site_code: str | None = None, status: str | None = None, *,
                       page: int = 1, per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of a site's tickets, oldest first, and how many there are; without a status,
    those still being worked on."""
    if status is not None and status not in set(rules.RepairStatus):
        raise InvalidInput(N_("Unknown repair status “{status}”."), status=status[:30])
    condition = (RepairTicket.status == status) if status else RepairTicket.status.is_in(
        list(rules.ACTIVE))
    if site_code:
        condition = condition & (RepairTicket.site.code == site_code)
    rows = await RepairTicket.select(*TICKET_COLUMNS).where(condition).order_by(
        RepairTicket.opened_at).order_by(RepairTicket.id).limit(per_page).offset(
        (page - 1) * per_page)
    for row in rows:
        row["reference"] = rules.ticket_reference(row["id"])
    return rows, await RepairTicket.count().where(condition)
