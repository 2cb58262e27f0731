"""Learning paths: paths and their modules (and the typical ones as seed data), assessments,
enrollments with their progress, and the loans whose path is over.

Sessions and attendance are in services.learning_sessions. Everything about a person is read
and written within the actor's scope (services.beneficiaries.find_visible).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from piccolo.query.functions.aggregate import Count

from inventory.db.tables import (
    Assessment, Attendance, Beneficiary, Enrollment, LearningPath, Loan, PathModule,
)
from inventory.domain import learning as rules
from inventory.domain.errors import Conflict, InvalidInput, N_, NotFound
from inventory.domain.learning import EnrollmentStatus, Outcome
from inventory.services.beneficiaries import find_visible, log_access, scope_condition
from inventory.services.common import Actor, from_json, today, unit_of_work, utcnow
from inventory.services.learning_seed import SEED_PATHS

PATH_COLUMNS = (LearningPath.id, LearningPath.name, LearningPath.objective,
                LearningPath.description, LearningPath.sessions_per_week, LearningPath.active)
MODULE_COLUMNS = (PathModule.id, PathModule.path, PathModule.position, PathModule.topic,
                  PathModule.level, PathModule.format, PathModule.planned_sessions,
                  PathModule.planned_hours)
ENROLLMENT_COLUMNS = (
    *Enrollment._meta.columns, Enrollment.beneficiary.number.as_alias("beneficiary_number"),
    Enrollment.path.name.as_alias("path_name"),
)


@dataclass(frozen=True, slots=True)
class ModuleInput:
    """A module to add to a path."""

    topic: str
    level: str
    format: str
    planned_sessions: int
    planned_hours: Any


# --- paths and modules ------------------------------------------------------------------

async def _modules(path_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    by_path: dict[int, list[dict[str, Any]]] = {pid: [] for pid in path_ids}
    if path_ids:
        for row in await PathModule.select(*MODULE_COLUMNS).where(
                PathModule.path.is_in(path_ids)).order_by(PathModule.position):
            by_path[row["path"]].append(row)
    return by_path


async def _path(path_id: int) -> dict[str, Any]:
    row = await LearningPath.select(*PATH_COLUMNS).where(LearningPath.id == path_id).first()
    if row is None:
        raise NotFound(N_("No learning path with number {id}."), id=path_id)
    row["modules"] = (await _modules([path_id]))[path_id]
    return row


async def list_paths(active_only: bool = False, *, page: int = 1,
                     per_page: int = 50) -> list[dict[str, Any]]:
    """One page of the paths by name, each with its ordered modules."""
    query = LearningPath.select(*PATH_COLUMNS).order_by(LearningPath.name).limit(
        per_page).offset((page - 1) * per_page)
    if active_only:
        query = query.where(LearningPath.active == True)  # noqa: E712 (a SQL condition)
    async with unit_of_work():
        rows = await query
        modules = await _modules([r["id"] for r in rows])
    for row in rows:
        row["modules"] = modules[row["id"]]
    return rows


async def get_path(path_id: int) -> dict[str, Any]:
    async with unit_of_work():
        return await _path(path_id)


async def _insert_module(path_id: int, position: int, module: ModuleInput) -> None:
    plan = rules.check_module(module.topic, module.planned_sessions, module.planned_hours)
    await PathModule.insert(PathModule(
        path=path_id, position=position, topic=" ".join(module.topic.split())[:200],
        level=rules.choice(rules.Level, module.level, "level"),
        format=rules.choice(rules.ModuleFormat, module.format, "format"),
        planned_sessions=plan.planned_sessions, planned_hours=plan.planned_hours))


async def _insert_path(name: str, objective: str, description: str, sessions_per_week: int,
                       modules: tuple[ModuleInput, ...]) -> int:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(N_("A learning path needs a name."))
    if await LearningPath.exists().where(LearningPath.name == name):
        raise Conflict(N_("A learning path named “{name}” already exists."), name=name[:120])
    row = (await LearningPath.insert(LearningPath(
        name=name[:120], objective=rules.choice(rules.Objective, objective, "objective"),
        description=description.strip(),
        sessions_per_week=rules.check_sessions_per_week(sessions_per_week),
        active=True, created_at=utcnow())).returning(LearningPath.id))[0]
    for position, module in enumerate(modules, start=1):
        await _insert_module(row["id"], position, module)
    return row["id"]


async def create_path(actor: Actor, *, name: str, objective: str, description: str = "",
                      sessions_per_week: int = 1,
                      modules: tuple[ModuleInput, ...] = ()) -> dict[str, Any]:
    """A new path with its modules, in order."""
    async with unit_of_work():
        return await _path(await _insert_path(name, objective, description, sessions_per_week,
                                              modules))


async def add_module(actor: Actor, path_id: int, module: ModuleInput) -> dict[str, Any]:
    """A module appended at the end of the path."""
    async with unit_of_work():
        path = await _path(path_id)
        last = max((m["position"] for m in path["modules"]), default=0)
        await _insert_module(path_id, last + 1, module)
        return await _path(path_id)


async def update_path(actor: Actor, path_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """Edit a path's description or rhythm, or (de)activate it; enrollments keep their dates."""
    values = {}
    if "description" in fields:
        values[LearningPath.description] = str(fields["description"]).strip()
    if "sessions_per_week" in fields:
        values[LearningPath.sessions_per_week] = rules.check_sessions_per_week(
            fields["sessions_per_week"])
    if "active" in fields:
        values[LearningPath.active] = bool(fields["active"])
    async with unit_of_work():
        await _path(path_id)
        if values:
            await LearningPath.update(values).where(LearningPath.id == path_id)
        return await _path(path_id)


async def seed_paths() -> int:
    """Add the typical paths that are not there yet (by name); returns how many were added."""
    added = 0
    async with unit_of_work():
        for seed in SEED_PATHS:
            if await LearningPath.exists().where(LearningPath.name == seed.name):
                continue
            await _insert_path(seed.name, seed.objective, seed.description,
                               seed.sessions_per_week,
                               tuple(ModuleInput(*m) for m in seed.modules))
            added += 1
    return added


# --- assessments ------------------------------------------------------------------------

async def record_assessment(actor: Actor, number: str, *, kind: str, tool: str,
                            overall_level: str, area_levels: dict[str, str] | None = None,
                            assessed_on: date | None = None) -> dict[str, Any]:
    """An entry or exit assessment of a person, by the signed-in assessor."""
    day = assessed_on or today()
    if day > today():
        raise InvalidInput(N_("An assessment cannot be dated in the future ({date})."),
                           date=day.strftime("%d/%m/%Y"))
    row = Assessment(
        kind=rules.choice(rules.AssessmentKind, kind, "kind"),
        tool=rules.choice(rules.AssessmentTool, tool, "tool"),
        overall_level=rules.choice(rules.Level, overall_level, "overall_level"),
        area_levels=rules.area_levels(area_levels or {}), assessed_on=day,
        assessor=actor.user_id, created_at=utcnow())
    async with unit_of_work():
        person = await find_visible(actor, number)
        row.beneficiary = person["id"]
        await row.save()
        return (await _assessments(person["id"], row.id))[0]


async def _assessments(beneficiary_id: int, only_id: int | None = None) -> list[dict[str, Any]]:
    query = Assessment.select(
        *Assessment._meta.columns, Assessment.beneficiary.number.as_alias("beneficiary_number"),
        Assessment.assessor.display_name.as_alias("assessor_name"),
    ).where(Assessment.beneficiary == beneficiary_id)
    if only_id is not None:
        query = query.where(Assessment.id == only_id)
    rows = await query.order_by(Assessment.assessed_on).order_by(Assessment.id)
    for row in rows:
        row["area_levels"] = from_json(row["area_levels"], {})
    return rows


async def list_assessments(actor: Actor, number: str) -> list[dict[str, Any]]:
    """A person's assessments, oldest first (the reading is logged)."""
    async with unit_of_work():
        person = await find_visible(actor, number)
        await log_access(actor, "assessment.list", [person["id"]])
        return await _assessments(person["id"])


# --- enrollments ------------------------------------------------------------------------

async def _progress(row: dict[str, Any], day: date) -> rules.Progress:
    """Modules done / planned, from the person's presence at the path's module sessions."""
    planned = {m["id"]: m["planned_sessions"] for m in await PathModule.select(
        PathModule.id, PathModule.planned_sessions).where(PathModule.path == row["path"])}
    until = row["exit_on"] or day
    counted = await Attendance.select(
        Attendance.workshop.module.as_alias("module"), Count(Attendance.id, alias="sessions"),
    ).where(
        (Attendance.beneficiary == row["beneficiary"]) & (Attendance.present == True)  # noqa: E712
        & Attendance.workshop.module.is_in(list(planned) or [-1])
        & (Attendance.workshop.held_on >= row["started_on"])
        & (Attendance.workshop.held_on <= until)
    ).group_by(Attendance.workshop.module)
    return rules.progress(planned, {r["module"]: r["sessions"] for r in counted})


async def _with_progress(row: dict[str, Any], day: date) -> dict[str, Any]:
    row["progress"] = await _progress(row, day)
    row["path_ended"] = rules.path_ended(row["status"], row["expected_end_on"], day)
    row["follow_up_due_on"] = rules.follow_up_due(row["exit_on"]) if row["exit_on"] else None
    return row


async def _visible_enrollment(actor: Actor, enrollment_id: int) -> dict[str, Any]:
    row = await Enrollment.select(*ENROLLMENT_COLUMNS).where(
        Enrollment.id == enrollment_id).first()
    try:
        if row is None:
            raise NotFound()
        await find_visible(actor, row["beneficiary_number"])
    except NotFound:
        raise NotFound(N_("No enrollment with number {id}."), id=enrollment_id) from None
    return row


async def enroll(actor: Actor, number: str, path_id: int,
                 started_on: date | None = None) -> dict[str, Any]:
    """Enroll a person in an active path; the expected end follows the path's rhythm."""
    day = today()
    start = started_on or day
    async with unit_of_work():
        person = await find_visible(actor, number)
        path = await _path(path_id)
        if not path["active"]:
            raise Conflict(N_("The path “{name}” is no longer offered."), name=path["name"])
        if await Enrollment.exists().where(
                (Enrollment.beneficiary == person["id"]) & (Enrollment.path == path_id)
                & (Enrollment.status == EnrollmentStatus.ACTIVE)):
            raise Conflict(N_("This person is already enrolled in the path “{name}”."),
                           name=path["name"])
        sessions = sum(m["planned_sessions"] for m in path["modules"])
        row = (await Enrollment.insert(Enrollment(
            beneficiary=person["id"], path=path_id, started_on=start,
            expected_end_on=rules.expected_end(start, sessions, path["sessions_per_week"]),
            status=EnrollmentStatus.ACTIVE, created_by=actor.user_id,
            created_at=utcnow())).returning(Enrollment.id))[0]
        return await _with_progress(await _visible_enrollment(actor, row["id"]), day)


async def get_enrollment(actor: Actor, enrollment_id: int) -> dict[str, Any]:
    """One enrollment with its progress (the reading is logged)."""
    async with unit_of_work():
        row = await _visible_enrollment(actor, enrollment_id)
        await log_access(actor, "enrollment.read", [row["beneficiary"]])
        return await _with_progress(row, today())


async def list_enrollments(actor: Actor, number: str) -> list[dict[str, Any]]:
    """A person's enrollments, latest first, each with its progress."""
    day = today()
    async with unit_of_work():
        person = await find_visible(actor, number)
        rows = await Enrollment.select(*ENROLLMENT_COLUMNS).where(
            Enrollment.beneficiary == person["id"]).order_by(
            Enrollment.started_on, ascending=False).order_by(Enrollment.id, ascending=False)
        await log_access(actor, "enrollment.list", [person["id"]])
        return [await _with_progress(row, day) for row in rows]


@dataclass(frozen=True, slots=True)
class EnrollmentChange:
    """Close an enrollment (status, exit outcome and date) and/or record the follow-up."""

    status: str | None = None
    exit_outcome: str | None = None
    exit_on: date | None = None
    follow_up_outcome: str | None = None
    follow_up_on: date | None = None


def _apply(row: dict[str, Any], change: EnrollmentChange, day: date) -> rules.EnrollmentState:
    def outcome(value: str | None, field: str) -> Outcome | None:
        return None if value is None else rules.choice(Outcome, value, field)

    state = rules.EnrollmentState(
        EnrollmentStatus(row["status"]), row["started_on"], row["exit_on"],
        outcome(row["exit_outcome"], "exit_outcome"))
    if change.status is not None:
        status = rules.choice(EnrollmentStatus, change.status, "status")
        state = rules.close(state, status, outcome(change.exit_outcome, "exit_outcome"),
                            change.exit_on or day)
    elif change.exit_outcome is not None or change.exit_on is not None:
        raise InvalidInput(N_("The outcome at exit is recorded when closing the enrollment "
                              "(give its status)."))
    if change.follow_up_outcome is not None:
        state = rules.follow_up(state, outcome(change.follow_up_outcome, "follow_up_outcome"),
                                change.follow_up_on or day)
    for when in (state.exit_on, state.follow_up_on):
        if when is not None and when > day:
            raise InvalidInput(N_("This date is in the future: {date}."),
                               date=when.strftime("%d/%m/%Y"))
    return state


async def update_enrollment(actor: Actor, enrollment_id: int,
                            change: EnrollmentChange) -> dict[str, Any]:
    """Close an enrollment with its outcome, or record the 6-month follow-up."""
    day = today()
    async with unit_of_work():
        row = await _visible_enrollment(actor, enrollment_id)
        state = _apply(row, change, day)
        updated = await Enrollment.update({
            Enrollment.status: state.status, Enrollment.exit_on: state.exit_on,
            Enrollment.exit_outcome: state.exit_outcome,
            Enrollment.follow_up_on: state.follow_up_on,
            Enrollment.follow_up_outcome: state.follow_up_outcome,
        }).where((Enrollment.id == enrollment_id) & (Enrollment.status == row["status"])
                 ).returning(Enrollment.id)
        if not updated:
            raise Conflict(N_("This enrollment was changed by someone else meanwhile; "
                              "reload it."))
        return await _with_progress(await _visible_enrollment(actor, enrollment_id), day)


# --- loans whose path is over -----------------------------------------------------------

async def path_ended_loans(actor: Actor, *, page: int = 1,
                           per_page: int = 50) -> list[dict[str, Any]]:
    """One page of the open loans whose path is closed or past its expected end: to return
    or renew."""
    day = today()
    query = Loan.select(
        Loan.reference, Loan.started_on, Loan.due_on, Loan.beneficiary,
        Loan.beneficiary.number.as_alias("beneficiary_number"),
        Loan.site.code.as_alias("site_code"), Loan.enrollment.as_alias("enrollment_id"),
        Loan.enrollment.status.as_alias("enrollment_status"),
        Loan.enrollment.expected_end_on.as_alias("expected_end_on"),
        Loan.enrollment.exit_on.as_alias("exit_on"),
        Loan.enrollment.path.name.as_alias("path_name"),
    ).where((Loan.status == "open") & Loan.enrollment.is_not_null() & (
        (Loan.enrollment.status != EnrollmentStatus.ACTIVE)
        | (Loan.enrollment.expected_end_on < day)))
    condition = scope_condition(actor)
    if condition is not None:
        query = query.where(Loan.beneficiary.is_in(
            Beneficiary.select(Beneficiary.id).where(condition)))
    async with unit_of_work():
        rows = await query.order_by(Loan.enrollment.expected_end_on).order_by(Loan.id).limit(
            per_page).offset((page - 1) * per_page)
        await log_access(actor, "loan.path_ended", sorted({r["beneficiary"] for r in rows}))
    return rows
