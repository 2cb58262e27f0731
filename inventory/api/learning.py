"""JSON API for learning paths: paths and modules, assessments, sessions and attendance,
enrollments, and the loans whose path is over.

Everything about a person is scoped like the beneficiary routes: outside the scope, 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from inventory.api.paging import PER_PAGE, PageParam, PerPageParam
from inventory.api.learning_schemas import (
    AssessmentCreate, AssessmentRead, AttendanceRead, AttendanceUpdate, DropInCreate,
    EnrollmentCreate, EnrollmentRead, EnrollmentUpdate, ModuleCreate, ModuleRead,
    PathCreate, PathEndedLoanRead, PathRead, PathUpdate, ProgressRead, WorkshopCreate,
    WorkshopRead,
)
from inventory.domain import learning as rules
from inventory.domain.errors import N_
from inventory.i18n import gettext_for, negotiate
from inventory.services import learning as svc
from inventory.services import learning_sessions as sessions

RETURN_OR_RENEW = N_("path over: to return or renew")


def _gettext(request: Request):
    return gettext_for(negotiate(request.headers.get("accept-language"), request.user.locale))


def _module(input_: ModuleCreate) -> svc.ModuleInput:
    return svc.ModuleInput(input_.topic, input_.level, input_.format, input_.planned_sessions,
                           input_.planned_hours)


def path_read(row: dict[str, Any], _) -> PathRead:
    modules = [ModuleRead(
        id=m["id"], position=m["position"], topic=m["topic"], level=m["level"],
        level_label=_(rules.LEVEL_LABELS[m["level"]]), format=m["format"],
        format_label=_(rules.MODULE_FORMAT_LABELS[m["format"]]),
        planned_sessions=m["planned_sessions"], planned_hours=float(m["planned_hours"]),
    ) for m in row["modules"]]
    return PathRead(
        id=row["id"], name=row["name"], objective=row["objective"],
        objective_label=_(rules.OBJECTIVE_LABELS[row["objective"]]),
        description=row["description"], sessions_per_week=row["sessions_per_week"],
        active=row["active"], planned_sessions=sum(m.planned_sessions for m in modules),
        planned_hours=sum(m.planned_hours for m in modules), modules=modules)


def assessment_read(row: dict[str, Any], _) -> AssessmentRead:
    return AssessmentRead(
        id=row["id"], beneficiary_number=row["beneficiary_number"], kind=row["kind"],
        kind_label=_(rules.ASSESSMENT_KIND_LABELS[row["kind"]]), tool=row["tool"],
        tool_label=_(rules.ASSESSMENT_TOOL_LABELS[row["tool"]]),
        overall_level=row["overall_level"],
        overall_level_label=_(rules.LEVEL_LABELS[row["overall_level"]]),
        area_levels=row["area_levels"], assessed_on=row["assessed_on"],
        assessor_name=row["assessor_name"] or "")


def enrollment_read(row: dict[str, Any], _) -> EnrollmentRead:
    progress = row["progress"]
    return EnrollmentRead(
        id=row["id"], beneficiary_number=row["beneficiary_number"], path_id=row["path"],
        path_name=row["path_name"], started_on=row["started_on"],
        expected_end_on=row["expected_end_on"], status=row["status"],
        status_label=_(rules.ENROLLMENT_STATUS_LABELS[row["status"]]),
        path_ended=row["path_ended"],
        progress=ProgressRead(done=progress.done, planned=progress.planned,
                              percent=progress.percent),
        exit_on=row["exit_on"], exit_outcome=row["exit_outcome"],
        follow_up_due_on=row["follow_up_due_on"], follow_up_on=row["follow_up_on"],
        follow_up_outcome=row["follow_up_outcome"])


def workshop_read(row: dict[str, Any], _) -> WorkshopRead:
    attendance = [AttendanceRead(beneficiary_number=a["beneficiary_number"],
                                 name=f"{a['first_name']} {a['last_name']}",
                                 present=a["present"]) for a in row.get("attendance", [])]
    present = row.get("present_count", sum(1 for a in attendance if a.present))
    return WorkshopRead(
        id=row["id"], held_on=row["held_on"], kind=row["kind"],
        kind_label=_(rules.SESSION_KIND_LABELS[row["kind"]]), site_code=row["site_code"],
        mediator_name=row["mediator_name"] or "", topics=row["topics"],
        duration_minutes=row["duration_minutes"], module_id=row["module"],
        module_topic=row["module_topic"], path_name=row["path_name"], present_count=present,
        attendance=attendance)


class LearningPathController(Controller):
    path = "/api/v1/learning-paths"
    tags = ["learning paths"]

    @get("/", opt={"permission": "learning.read"})
    async def list_paths(self, request: Request, active: FromQuery[bool] = False,
                         page: PageParam = 1,
                         per_page: PerPageParam = PER_PAGE) -> list[PathRead]:
        """Paths by name with their ordered modules, one page at a time (``active=true``:
        those offered)."""
        _ = _gettext(request)
        return [path_read(r, _) for r in await svc.list_paths(
            active_only=active, page=page, per_page=per_page)]

    @post("/", opt={"permission": "learning.write"}, status_code=201)
    async def create(self, request: Request, data: JSONBody[PathCreate]) -> PathRead:
        """A new path with its modules in order."""
        row = await svc.create_path(
            request.user, name=data.name, objective=data.objective,
            description=data.description, sessions_per_week=data.sessions_per_week,
            modules=tuple(_module(m) for m in data.modules))
        return path_read(row, _gettext(request))

    @get("/{path_id:int}", opt={"permission": "learning.read"})
    async def read(self, request: Request, path_id: FromPath[int]) -> PathRead:
        return path_read(await svc.get_path(path_id), _gettext(request))

    @patch("/{path_id:int}", opt={"permission": "learning.write"})
    async def update(self, request: Request, path_id: FromPath[int],
                     data: JSONBody[PathUpdate]) -> PathRead:
        """Edit the description or the rhythm, or stop offering the path."""
        fields = {f: getattr(data, f) for f in data.__struct_fields__
                  if getattr(data, f) is not None}
        return path_read(await svc.update_path(request.user, path_id, fields),
                         _gettext(request))

    @post("/{path_id:int}/modules", opt={"permission": "learning.write"}, status_code=201)
    async def add_module(self, request: Request, path_id: FromPath[int],
                         data: JSONBody[ModuleCreate]) -> PathRead:
        """Append a module at the end of the path."""
        row = await svc.add_module(request.user, path_id, _module(data))
        return path_read(row, _gettext(request))


class LearnerController(Controller):
    """A person's assessments, enrollments and drop-in sessions."""

    path = "/api/v1/beneficiaries/{number:str}"
    tags = ["learning paths"]

    @get("/assessments", opt={"permission": "learning.read"})
    async def assessments(self, request: Request, number: FromPath[str]) -> list[AssessmentRead]:
        """The person's assessments, oldest first."""
        _ = _gettext(request)
        return [assessment_read(r, _) for r in await svc.list_assessments(request.user, number)]

    @post("/assessments", opt={"permission": "learning.write"}, status_code=201)
    async def assess(self, request: Request, number: FromPath[str],
                     data: JSONBody[AssessmentCreate]) -> AssessmentRead:
        """Record an entry or exit assessment (overall level, optionally per area)."""
        row = await svc.record_assessment(
            request.user, number, kind=data.kind, tool=data.tool,
            overall_level=data.overall_level, area_levels=data.area_levels,
            assessed_on=data.assessed_on)
        return assessment_read(row, _gettext(request))

    @get("/enrollments", opt={"permission": "learning.read"})
    async def enrollments(self, request: Request, number: FromPath[str]) -> list[EnrollmentRead]:
        """The person's enrollments, latest first, with their progress."""
        _ = _gettext(request)
        return [enrollment_read(r, _) for r in await svc.list_enrollments(request.user, number)]

    @post("/enrollments", opt={"permission": "learning.write"}, status_code=201)
    async def enroll(self, request: Request, number: FromPath[str],
                     data: JSONBody[EnrollmentCreate]) -> EnrollmentRead:
        """Enroll the person in a path; the expected end follows the path's rhythm."""
        row = await svc.enroll(request.user, number, data.path_id, data.started_on)
        return enrollment_read(row, _gettext(request))

    @post("/drop-ins", opt={"permission": "learning.write"}, status_code=201)
    async def drop_in(self, request: Request, number: FromPath[str],
                      data: JSONBody[DropInCreate]) -> WorkshopRead:
        """A drop-in session with the person: topic and duration."""
        row = await sessions.record_drop_in(
            request.user, number, held_on=data.held_on, topic=data.topic,
            duration_minutes=data.duration_minutes, site_code=data.site_code,
            module_id=data.module_id)
        return workshop_read(row, _gettext(request))


class EnrollmentController(Controller):
    path = "/api/v1/enrollments"
    tags = ["learning paths"]

    @get("/{enrollment_id:int}", opt={"permission": "learning.read"})
    async def read(self, request: Request, enrollment_id: FromPath[int]) -> EnrollmentRead:
        return enrollment_read(await svc.get_enrollment(request.user, enrollment_id),
                               _gettext(request))

    @patch("/{enrollment_id:int}", opt={"permission": "learning.write"})
    async def update(self, request: Request, enrollment_id: FromPath[int],
                     data: JSONBody[EnrollmentUpdate]) -> EnrollmentRead:
        """Close the enrollment with the outcome at exit, or record the 6-month follow-up."""
        row = await svc.update_enrollment(request.user, enrollment_id, svc.EnrollmentChange(
            status=data.status, exit_outcome=data.exit_outcome, exit_on=data.exit_on,
            follow_up_outcome=data.follow_up_outcome, follow_up_on=data.follow_up_on))
        return enrollment_read(row, _gettext(request))


class SessionController(Controller):
    path = "/api/v1/workshops"
    tags = ["learning paths"]

    @get("/", opt={"permission": "learning.read"})
    async def list_workshops(
        self, request: Request, site: Annotated[str | None, QueryParameter(max_length=12)] = None,
        since: FromQuery[dt.date | None] = None, until: FromQuery[dt.date | None] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> list[WorkshopRead]:
        """Sessions, latest first, with how many people were present."""
        rows = await sessions.list_workshops(request.user, site_code=site, since=since,
                                             until=until, page=page, per_page=per_page)
        _ = _gettext(request)
        return [workshop_read(r, _) for r in rows]

    @post("/", opt={"permission": "learning.write"}, status_code=201)
    async def create(self, request: Request, data: JSONBody[WorkshopCreate]) -> WorkshopRead:
        """Record a session: date, site, mediator (you by default), topics, module."""
        row = await sessions.create_workshop(request.user, sessions.SessionInput(
            held_on=data.held_on, topics=tuple(data.topics),
            duration_minutes=data.duration_minutes, site_code=data.site_code, kind=data.kind,
            module_id=data.module_id, mediator_id=data.mediator_id))
        return workshop_read(row, _gettext(request))

    @get("/{workshop_id:int}", opt={"permission": "learning.read"})
    async def read(self, request: Request, workshop_id: FromPath[int]) -> WorkshopRead:
        """One session with the attendance of the people you follow."""
        return workshop_read(await sessions.get_workshop(request.user, workshop_id),
                             _gettext(request))

    @put("/{workshop_id:int}/attendance", opt={"permission": "learning.write"})
    async def attendance(self, request: Request, workshop_id: FromPath[int],
                         data: JSONBody[AttendanceUpdate]) -> WorkshopRead:
        """Mark people present or absent (again: the mark is replaced)."""
        row = await sessions.record_attendance(
            request.user, workshop_id,
            [(m.beneficiary_number, m.present) for m in data.marks])
        return workshop_read(row, _gettext(request))


class PathEndedLoanController(Controller):
    path = "/api/v1/loans/path-ended"
    tags = ["loans"]

    @get("/", opt={"permission": "loans.read"})
    async def list_loans(self, request: Request, page: PageParam = 1,
                         per_page: PerPageParam = PER_PAGE) -> list[PathEndedLoanRead]:
        """Open loans whose learning path is over (closed or past its expected end): to
        return or renew, one page at a time."""
        _ = _gettext(request)
        return [PathEndedLoanRead(
            reference=r["reference"], beneficiary_number=r["beneficiary_number"],
            site_code=r["site_code"], started_on=r["started_on"], due_on=r["due_on"],
            enrollment_id=r["enrollment_id"], path_name=r["path_name"],
            enrollment_status=r["enrollment_status"],
            enrollment_status_label=_(rules.ENROLLMENT_STATUS_LABELS[r["enrollment_status"]]),
            expected_end_on=r["expected_end_on"], exit_on=r["exit_on"],
            action_label=_(RETURN_OR_RENEW),
        ) for r in await svc.path_ended_loans(request.user, page=page, per_page=per_page)]
