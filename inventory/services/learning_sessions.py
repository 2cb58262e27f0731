"""Sessions of the learning paths: group workshops with their attendance, drop-in sessions.

Attendance is recorded for people in the actor's scope only, and a session's attendance list
shows only those people; progress in a path is derived from it (services.learning).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from piccolo.query.functions.aggregate import Count

from inventory.db.tables import Attendance, Beneficiary, PathModule, Site, StaffUser, Workshop
from inventory.domain import learning as rules
from inventory.domain.errors import InvalidInput, N_, NotFound
from inventory.domain.learning import SessionKind
from inventory.services.beneficiaries import find_visible, log_access, scope_condition
from inventory.services.common import Actor, from_json, today, unit_of_work, utcnow

WORKSHOP_COLUMNS = (
    Workshop.id, Workshop.held_on, Workshop.kind, Workshop.topics, Workshop.module,
    Workshop.duration_minutes, Workshop.site.code.as_alias("site_code"),
    Workshop.mediator, Workshop.mediator.display_name.as_alias("mediator_name"),
    Workshop.module.topic.as_alias("module_topic"),
    Workshop.module.path.name.as_alias("path_name"),
)


@dataclass(frozen=True, slots=True)
class SessionInput:
    """A session to record: when, where, who leads it, what about, how long."""

    held_on: date
    topics: tuple[str, ...]
    duration_minutes: int
    site_code: str | None = None
    kind: str = SessionKind.WORKSHOP
    module_id: int | None = None
    mediator_id: int | None = None


async def _site(actor: Actor, code: str | None) -> int:
    """The session's site: the one named, else the actor's own."""
    if code is None:
        if actor.site_id is None:
            raise InvalidInput(N_("Say at which site the session was held."))
        return actor.site_id
    row = await Site.select(Site.id).where(Site.code == code).first()
    if row is None:
        raise NotFound(N_("No site with code “{code}”."), code=code[:20])
    return row["id"]


async def _mediator(actor: Actor, mediator_id: int | None) -> int | None:
    if mediator_id is None:
        return actor.user_id
    row = await StaffUser.select(StaffUser.active).where(StaffUser.id == mediator_id).first()
    if row is None or not row["active"]:
        raise NotFound(N_("No active staff member with number {id}."), id=mediator_id)
    return mediator_id


async def _insert(actor: Actor, session: SessionInput) -> int:
    if session.module_id is not None and not await PathModule.exists().where(
            PathModule.id == session.module_id):
        raise NotFound(N_("No path module with number {id}."), id=session.module_id)
    row = (await Workshop.insert(Workshop(
        held_on=session.held_on, site=await _site(actor, session.site_code),
        mediator=await _mediator(actor, session.mediator_id),
        topics=rules.check_topics(list(session.topics)), module=session.module_id,
        duration_minutes=rules.check_duration(session.duration_minutes),
        kind=rules.choice(SessionKind, session.kind, "kind"), created_at=utcnow(),
    )).returning(Workshop.id))[0]
    return row["id"]


async def _attendance(actor: Actor, workshop_id: int) -> list[dict[str, Any]]:
    """Who was marked present or absent, among the people the actor may see."""
    query = Attendance.select(
        Attendance.beneficiary, Attendance.present,
        Attendance.beneficiary.number.as_alias("beneficiary_number"),
        Attendance.beneficiary.first_name.as_alias("first_name"),
        Attendance.beneficiary.last_name.as_alias("last_name"),
    ).where(Attendance.workshop == workshop_id)
    condition = scope_condition(actor)
    if condition is not None:
        query = query.where(Attendance.beneficiary.is_in(
            Beneficiary.select(Beneficiary.id).where(condition)))
    return await query.order_by(Attendance.beneficiary.last_name).order_by(Attendance.id)


async def _workshop(actor: Actor, workshop_id: int) -> dict[str, Any]:
    row = await Workshop.select(*WORKSHOP_COLUMNS).where(Workshop.id == workshop_id).first()
    if row is None:
        raise NotFound(N_("No session with number {id}."), id=workshop_id)
    row["topics"] = from_json(row["topics"], [])
    row["attendance"] = await _attendance(actor, workshop_id)
    await log_access(actor, "workshop.read", [a["beneficiary"] for a in row["attendance"]])
    return row


async def create_workshop(actor: Actor, session: SessionInput) -> dict[str, Any]:
    """Record a session (its attendance comes after)."""
    async with unit_of_work():
        return await _workshop(actor, await _insert(actor, session))


async def get_workshop(actor: Actor, workshop_id: int) -> dict[str, Any]:
    async with unit_of_work():
        return await _workshop(actor, workshop_id)


async def list_workshops(actor: Actor, *, site_code: str | None = None,
                         since: date | None = None, until: date | None = None,
                         page: int = 1, per_page: int = 50) -> list[dict[str, Any]]:
    """Sessions, latest first, with how many people were present."""
    query = Workshop.select(*WORKSHOP_COLUMNS)
    if site_code:
        query = query.where(Workshop.site.code == site_code)
    if since:
        query = query.where(Workshop.held_on >= since)
    if until:
        query = query.where(Workshop.held_on <= until)
    async with unit_of_work():
        rows = await query.order_by(Workshop.held_on, ascending=False).order_by(
            Workshop.id, ascending=False).limit(per_page).offset((page - 1) * per_page)
        present = {r["workshop"]: r["present"] for r in await Attendance.select(
            Attendance.workshop, Count(Attendance.id, alias="present")).where(
            Attendance.workshop.is_in([r["id"] for r in rows] or [-1])
            & (Attendance.present == True)).group_by(Attendance.workshop)}  # noqa: E712
    for row in rows:
        row["topics"] = from_json(row["topics"], [])
        row["present_count"] = present.get(row["id"], 0)
    return rows


async def _mark(workshop_id: int, person_id: int, present: bool) -> None:
    """Present or absent: one row per session and person, updated if already there."""
    updated = await Attendance.update({Attendance.present: present,
                                       Attendance.recorded_at: utcnow()}).where(
        (Attendance.workshop == workshop_id) & (Attendance.beneficiary == person_id)
    ).returning(Attendance.id)
    if not updated:
        await Attendance.insert(Attendance(workshop=workshop_id, beneficiary=person_id,
                                           present=present, recorded_at=utcnow()))


async def record_attendance(actor: Actor, workshop_id: int,
                            marks: list[tuple[str, bool]]) -> dict[str, Any]:
    """Mark people (by number) present or absent at a session that has taken place."""
    async with unit_of_work():
        session = await Workshop.select(Workshop.held_on).where(
            Workshop.id == workshop_id).first()
        if session is None:
            raise NotFound(N_("No session with number {id}."), id=workshop_id)
        if session["held_on"] > today():
            raise InvalidInput(N_("The session of {date} has not taken place yet."),
                               date=session["held_on"].strftime("%d/%m/%Y"))
        for number, present in marks:
            person = await find_visible(actor, number)
            await _mark(workshop_id, person["id"], present)
        return await _workshop(actor, workshop_id)


async def record_drop_in(actor: Actor, number: str, *, held_on: date | None, topic: str,
                         duration_minutes: int, site_code: str | None = None,
                         module_id: int | None = None) -> dict[str, Any]:
    """A drop-in session: one person, one question, its duration; counted as attended."""
    day = held_on or today()
    if day > today():
        raise InvalidInput(N_("The session of {date} has not taken place yet."),
                           date=day.strftime("%d/%m/%Y"))
    async with unit_of_work():
        person = await find_visible(actor, number)
        workshop_id = await _insert(actor, SessionInput(
            held_on=day, topics=(topic,), duration_minutes=duration_minutes,
            site_code=site_code, kind=SessionKind.DROP_IN, module_id=module_id))
        await _mark(workshop_id, person["id"], True)
        return await _workshop(actor, workshop_id)
