"""Waiting list: put a person on it, cancel, list with wait times, and propose an item.

One open entry per person, kind and site. When an item of the kind is ready at the site,
the longest-waiting eligible person is proposed first and the item is reserved for them;
their check-out serves the entry (see ``serve_entries``, called by the loan service).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inventory.db.engine import is_sqlite
from inventory.db.tables import Beneficiary, Item, Site, WaitingEntry
from inventory.domain import waiting as rules
from inventory.domain.days import local_day
from inventory.domain.errors import Conflict, InvalidInput, InvalidTag, N_, NotFound
from inventory.domain.lifecycle import Family, Kind, State
from inventory.domain.loans import NotLendable
from inventory.domain.tags import decode
from inventory.domain.waiting import OPEN_STATUSES, WaitingStatus
from inventory.i18n import gettext_for
from inventory.services import eligibility as elig_svc
from inventory.services.beneficiaries import find_visible, log_access, scope_condition
from inventory.services.common import Actor, engine, today, unit_of_work, utcnow
from inventory.services.items import apply_transition, get_item

COLUMNS = (
    WaitingEntry.id, WaitingEntry.beneficiary, WaitingEntry.kind, WaitingEntry.since,
    WaitingEntry.status, WaitingEntry.proposed_at, WaitingEntry.closed_at, WaitingEntry.note,
    WaitingEntry.proposed_item, WaitingEntry.site,
    WaitingEntry.beneficiary.number.as_alias("beneficiary_number"),
    WaitingEntry.beneficiary.first_name.as_alias("first_name"),
    WaitingEntry.beneficiary.last_name.as_alias("last_name"),
    WaitingEntry.site.code.as_alias("site_code"),
    WaitingEntry.proposed_item.tag.as_alias("proposed_tag"),
)
FRENCH = gettext_for("fr")


def check_kind(kind: str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise InvalidInput(N_("Unknown kind of item: “{kind}”."), kind=kind[:20]) from None


async def _site_id(code: str) -> int:
    row = await Site.select(Site.id).where(Site.code == code).first()
    if row is None:
        raise NotFound(N_("No site with code “{code}”."), code=code[:20])
    return row["id"]


def _visible(query, actor: Actor):
    condition = scope_condition(actor)
    if condition is None:
        return query
    return query.where(WaitingEntry.beneficiary.is_in(
        Beneficiary.select(Beneficiary.id).where(condition)))


async def _entry(actor: Actor, entry_id: int) -> dict[str, Any]:
    row = await _visible(WaitingEntry.select(*COLUMNS), actor).where(
        WaitingEntry.id == entry_id).first()
    if row is None:
        raise NotFound(N_("No waiting-list entry with number {id}."), id=entry_id)
    return row


def _with_wait(row: dict[str, Any]) -> dict[str, Any]:
    end = local_day(row["closed_at"]) if row["closed_at"] else today()
    return {**row, "wait_days": rules.wait_days(row["since"], end)}


# --- put on the list, cancel ------------------------------------------------------------

async def add_entry(actor: Actor, number: str, kind: str, site_code: str,
                    note: str = "") -> dict[str, Any]:
    """Put a person in scope on the waiting list for a kind at a site (once at a time)."""
    wanted = check_kind(kind)
    async with unit_of_work():
        person = await find_visible(actor, number)
        if person["merged_into"]:
            raise InvalidInput(N_("This record was merged into {number}: use that one."),
                               number=person["merged_into"])
        if not is_sqlite(engine()):  # one insert at a time per person (SQLite: one writer)
            await Beneficiary.raw("SELECT id FROM beneficiary WHERE id = {} FOR UPDATE",
                                  person["id"])
        site_id = await _site_id(site_code)
        if await WaitingEntry.exists().where(
                (WaitingEntry.beneficiary == person["id"]) & (WaitingEntry.kind == wanted)
                & (WaitingEntry.site == site_id) & WaitingEntry.status.is_in(
                    list(OPEN_STATUSES))):
            raise Conflict(N_("This person is already on the waiting list for this kind at "
                              "this site."))
        row = WaitingEntry(beneficiary=person["id"], kind=wanted, site=site_id, since=utcnow(),
                           status=WaitingStatus.WAITING, note=note.strip()[:300])
        await row.save()
        await log_access(actor, "waiting.create", [person["id"]])
        return _with_wait(await _entry(actor, row.id))


async def _release(actor: Actor, item_id: int | None, entry_id: int) -> None:
    """Put a proposed item back on the shelf if it is still reserved."""
    if item_id is None:
        return
    row = await Item.select(Item.tag).where(Item.id == item_id).first()
    item = await get_item(row["tag"])
    if item["state"] == State.RESERVED:
        await apply_transition(actor, item, rules.PROPOSABLE[Family(item["family"])],
                               reason=f"liste d'attente n° {entry_id}")


async def cancel_entry(actor: Actor, entry_id: int, note: str = "") -> dict[str, Any]:
    """Take a person off the list; an item proposed to them goes back on the shelf."""
    async with unit_of_work():
        entry = await _entry(actor, entry_id)
        updated = await WaitingEntry.update({
            WaitingEntry.status: WaitingStatus.CANCELLED, WaitingEntry.closed_at: utcnow(),
            WaitingEntry.note: (note.strip() or entry["note"])[:300],
        }).where((WaitingEntry.id == entry_id) & WaitingEntry.status.is_in(
            list(OPEN_STATUSES))).returning(WaitingEntry.id)
        if not updated:
            raise Conflict(N_("This waiting-list entry is already closed."))
        if entry["status"] == WaitingStatus.PROPOSED:
            await _release(actor, entry["proposed_item"], entry_id)
        await log_access(actor, "waiting.cancel", [entry["beneficiary"]])
        return _with_wait(await _entry(actor, entry_id))


# --- reading ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class WaitingList:
    entries: list[dict[str, Any]]
    stats: rules.WaitStats


async def _served_waits(site_code: str | None, kind: str | None) -> list[int]:
    query = WaitingEntry.select(WaitingEntry.since, WaitingEntry.closed_at).where(
        WaitingEntry.status == WaitingStatus.SERVED)
    if site_code:
        query = query.where(WaitingEntry.site.code == site_code)
    if kind:
        query = query.where(WaitingEntry.kind == kind)
    return [rules.wait_days(r["since"], local_day(r["closed_at"])) for r in await query]


async def list_entries(actor: Actor, *, site_code: str | None = None,
                       kind: str | None = None, page: int = 1,
                       per_page: int = 50) -> WaitingList:
    """One page of the open entries in the actor's scope, first come first; positions and
    figures cover the whole list (only open entries are read: a queue, not the table)."""
    if kind:
        check_kind(kind)
    query = WaitingEntry.select(*COLUMNS).where(WaitingEntry.status.is_in(list(OPEN_STATUSES)))
    if site_code:
        query = query.where(WaitingEntry.site.code == site_code)
    if kind:
        query = query.where(WaitingEntry.kind == kind)
    async with unit_of_work():
        every = await query.order_by(WaitingEntry.since).order_by(WaitingEntry.id)
        visible_ids = {r["id"] for r in await _visible(
            WaitingEntry.select(WaitingEntry.id), actor).where(
            WaitingEntry.id.is_in([r["id"] for r in every] or [-1]))}
        served = await _served_waits(site_code, kind)
        rows = _positions(every)
        shown = [r for r in rows if r["id"] in visible_ids][
            (page - 1) * per_page:page * per_page]
        await log_access(actor, "waiting.list", sorted({r["beneficiary"] for r in shown}))
    current = [r["wait_days"] for r in rows]
    return WaitingList(shown, rules.wait_stats(current, served))


def _positions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry with its wait and its place in the queue of its kind and site."""
    counters: dict[tuple[str, int], int] = {}
    ranked = []
    for row in rows:
        key = (row["kind"], row["site"])
        counters[key] = counters.get(key, 0) + 1
        ranked.append({**_with_wait(row), "position": counters[key]})
    return ranked


# --- who should get it ------------------------------------------------------------------

async def _choice(site_id: int, kind: Kind) -> tuple[rules.Choice, dict[int, dict[str, Any]]]:
    """The queue's answer for one kind at one site, with the entries by id."""
    rows = await WaitingEntry.select(*COLUMNS).where(
        (WaitingEntry.site == site_id) & (WaitingEntry.kind == kind)
        & (WaitingEntry.status == WaitingStatus.WAITING))
    candidates = [rules.Candidate(
        entry_id=r["id"], since=r["since"],
        decisions=tuple(await elig_svc.decision_summaries(r["beneficiary"]))) for r in rows]
    return rules.next_eligible(candidates, kind, today()), {r["id"]: r for r in rows}


@dataclass(frozen=True, slots=True)
class NextInLine:
    """Who should get the next item (None: nobody eligible) and who was passed over, why."""

    entry: dict[str, Any] | None
    skipped: list[tuple[dict[str, Any], rules.NoValidDecision]]


async def next_in_line(actor: Actor, site_code: str, kind: str) -> NextInLine:
    """The longest-waiting eligible person for ``kind`` at the site, and those skipped."""
    wanted = check_kind(kind)
    async with unit_of_work():
        choice, rows = await _choice(await _site_id(site_code), wanted)
        visible = {r["id"] for r in await _visible(WaitingEntry.select(WaitingEntry.id),
                                                   actor).where(
            WaitingEntry.id.is_in(list(rows) or [-1]))}
        chosen = None
        if choice.chosen is not None:
            if choice.chosen.entry_id not in visible:
                raise Conflict(N_("The next person in line is followed by another site: a "
                                  "coordinator must make this proposal."))
            chosen = _with_wait(rows[choice.chosen.entry_id])
        skipped = [(_with_wait(rows[s.candidate.entry_id]), s.reason) for s in choice.skipped
                   if s.candidate.entry_id in visible]
        ids = [r["beneficiary"] for r, _ in skipped] + ([chosen["beneficiary"]] if chosen else [])
        await log_access(actor, "waiting.next", sorted(set(ids)))
    return NextInLine(chosen, skipped)


async def _proposable(tag: str, prefix: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The item to set aside: of the entry's kind, at its site, ready to lend."""
    try:
        item = await get_item(str(decode(tag, prefix)))
    except InvalidTag:
        raise NotFound(N_("No item with tag “{tag}”."), tag=tag[:40]) from None
    if item["kind"] != entry["kind"]:
        raise InvalidInput(N_("{tag} is not of the kind this person is waiting for."),
                           tag=item["tag"])
    if item["site"] != entry["site"]:
        raise Conflict(N_("{tag} is at site {site}, not at the site of this waiting list: "
                          "transfer it first."), tag=item["tag"], site=item["site_code"])
    if item["state"] != rules.PROPOSABLE[Family(item["family"])]:
        raise NotLendable(item["tag"], item["state"])
    return item


async def propose(actor: Actor, entry_id: int, tag: str, prefix: str) -> dict[str, Any]:
    """Set an item aside for the longest-waiting eligible person: it becomes reserved."""
    async with unit_of_work():
        entry = await _entry(actor, entry_id)
        if entry["status"] != WaitingStatus.WAITING:
            raise Conflict(N_("This person is no longer waiting: an item was already "
                              "proposed, or the entry is closed."))
        item = await _proposable(tag, prefix, entry)
        choice, _rows = await _choice(entry["site"], Kind(entry["kind"]))
        for passed in choice.skipped:
            if passed.candidate.entry_id == entry_id:
                raise passed.reason
        if choice.chosen is None or choice.chosen.entry_id != entry_id:
            raise Conflict(N_("Someone eligible has been waiting longer for this kind at this "
                              "site: propose the item to the next person in line."))
        updated = await WaitingEntry.update({
            WaitingEntry.status: WaitingStatus.PROPOSED, WaitingEntry.proposed_item: item["id"],
            WaitingEntry.proposed_at: utcnow(),
        }).where((WaitingEntry.id == entry_id)
                 & (WaitingEntry.status == WaitingStatus.WAITING)).returning(WaitingEntry.id)
        if not updated:
            raise Conflict(N_("This waiting-list entry was changed by someone else meanwhile."))
        await apply_transition(actor, item, State.RESERVED,
                               reason=f"liste d'attente n° {entry_id}")
        await log_access(actor, "waiting.propose", [entry["beneficiary"]])
        return _with_wait(await _entry(actor, entry_id))


# --- at check-out (inside the loan's transaction) ---------------------------------------

async def check_reservations(person_id: int, items: list[dict[str, Any]]) -> None:
    """Refuse an item set aside for someone else on the waiting list."""
    reserved = {i["id"]: i["tag"] for i in items if i["state"] == State.RESERVED}
    if not reserved:
        return
    rows = await WaitingEntry.select(WaitingEntry.proposed_item, WaitingEntry.beneficiary).where(
        WaitingEntry.proposed_item.is_in(list(reserved))
        & (WaitingEntry.status == WaitingStatus.PROPOSED))
    for row in rows:
        if row["beneficiary"] != person_id:
            raise Conflict(N_("{tag} is set aside for another person on the waiting list: "
                              "lend another item, or cancel that proposal first."),
                           tag=reserved[row["proposed_item"]])


async def serve_entries(actor: Actor, person_id: int, items: list[dict[str, Any]]) -> None:
    """The person got an item: their open entries for its kind and site are served; an item
    proposed to them but not taken goes back on the shelf."""
    lent = {i["id"] for i in items}
    for kind, site in sorted({(i["kind"], i["site"]) for i in items}):
        closed = await WaitingEntry.update({
            WaitingEntry.status: WaitingStatus.SERVED, WaitingEntry.closed_at: utcnow(),
        }).where((WaitingEntry.beneficiary == person_id) & (WaitingEntry.kind == kind)
                 & (WaitingEntry.site == site)
                 & WaitingEntry.status.is_in(list(OPEN_STATUSES))).returning(
            WaitingEntry.id, WaitingEntry.proposed_item)
        for row in closed:
            if row["proposed_item"] is not None and row["proposed_item"] not in lent:
                await _release(actor, row["proposed_item"], row["id"])
