"""Request and response bodies of the learning-path API (msgspec; unknown fields refused)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from msgspec import Meta, Struct

from inventory.api.schemas import Strict

Text200 = Annotated[str, Meta(max_length=200)]
Number = Annotated[str, Meta(max_length=20)]
LevelName = Annotated[str, Meta(pattern=r"^(excluded|beginner|intermediate|near_autonomous)$")]
OutcomeName = Annotated[str, Meta(pattern=r"^(autonomous|partly|assisted)$")]
Minutes = Annotated[int, Meta(ge=1, le=480)]


class ModuleCreate(Strict, kw_only=True):
    topic: Annotated[str, Meta(min_length=1, max_length=200)]
    level: LevelName
    format: Annotated[str, Meta(pattern=r"^(workshop|drop_in|one_to_one)$")]
    planned_sessions: Annotated[int, Meta(ge=1, le=100)]
    planned_hours: Annotated[float, Meta(gt=0, le=800)]


class PathCreate(Strict, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=120)]
    objective: Annotated[str, Meta(
        pattern=r"^(job_search|schooling|online_admin|keeping_in_touch|health|banking|other)$")]
    description: Annotated[str, Meta(max_length=2000)] = ""
    sessions_per_week: Annotated[int, Meta(ge=1, le=7)] = 1
    modules: Annotated[list[ModuleCreate], Meta(max_length=30)] = []


class PathUpdate(Strict, kw_only=True):
    description: Annotated[str, Meta(max_length=2000)] | None = None
    sessions_per_week: Annotated[int, Meta(ge=1, le=7)] | None = None
    active: bool | None = None


class ModuleRead(Struct, kw_only=True):
    id: int
    position: int
    topic: str
    level: str
    level_label: str
    format: str
    format_label: str
    planned_sessions: int
    planned_hours: float


class PathRead(Struct, kw_only=True):
    id: int
    name: str
    objective: str
    objective_label: str
    description: str
    sessions_per_week: int
    active: bool
    planned_sessions: int
    planned_hours: float
    modules: list[ModuleRead]


class AssessmentCreate(Strict, kw_only=True):
    kind: Annotated[str, Meta(pattern=r"^(entry|exit)$")]
    tool: Annotated[str, Meta(pattern=r"^(in_house|les_bons_clics|pix|other)$")]
    overall_level: LevelName
    area_levels: Annotated[dict[Annotated[str, Meta(max_length=30)], LevelName],
                           Meta(max_length=5)] = {}
    assessed_on: dt.date | None = None


class AssessmentRead(Struct, kw_only=True):
    id: int
    beneficiary_number: str
    kind: str
    kind_label: str
    tool: str
    tool_label: str
    overall_level: str
    overall_level_label: str
    area_levels: dict[str, str]
    assessed_on: dt.date
    assessor_name: str


class EnrollmentCreate(Strict, kw_only=True):
    path_id: int
    started_on: dt.date | None = None


class EnrollmentUpdate(Strict, kw_only=True):
    """Close (status, with the outcome at exit) and/or record the 6-month follow-up."""

    status: Annotated[str, Meta(pattern=r"^(completed|abandoned)$")] | None = None
    exit_outcome: OutcomeName | None = None
    exit_on: dt.date | None = None
    follow_up_outcome: OutcomeName | None = None
    follow_up_on: dt.date | None = None


class ProgressRead(Struct, kw_only=True):
    done: int
    planned: int
    percent: int


class EnrollmentRead(Struct, kw_only=True):
    id: int
    beneficiary_number: str
    path_id: int
    path_name: str
    started_on: dt.date
    expected_end_on: dt.date
    status: str
    status_label: str
    path_ended: bool
    progress: ProgressRead
    exit_on: dt.date | None
    exit_outcome: str | None
    follow_up_due_on: dt.date | None
    follow_up_on: dt.date | None
    follow_up_outcome: str | None


class WorkshopCreate(Strict, kw_only=True):
    held_on: dt.date
    topics: Annotated[list[Text200], Meta(min_length=1, max_length=10)]
    duration_minutes: Minutes
    site_code: Annotated[str, Meta(max_length=12)] | None = None
    kind: Annotated[str, Meta(pattern=r"^(workshop|drop_in)$")] = "workshop"
    module_id: int | None = None
    mediator_id: int | None = None


class AttendanceMark(Strict, kw_only=True):
    beneficiary_number: Number
    present: bool = True


class AttendanceUpdate(Strict, kw_only=True):
    marks: Annotated[list[AttendanceMark], Meta(min_length=1, max_length=200)]


class DropInCreate(Strict, kw_only=True):
    topic: Annotated[str, Meta(min_length=1, max_length=200)]
    duration_minutes: Minutes
    held_on: dt.date | None = None
    site_code: Annotated[str, Meta(max_length=12)] | None = None
    module_id: int | None = None


class AttendanceRead(Struct, kw_only=True):
    beneficiary_number: str
    name: str
    present: bool


class WorkshopRead(Struct, kw_only=True):
    id: int
    held_on: dt.date
    kind: str
    kind_label: str
    site_code: str
    mediator_name: str
    topics: list[str]
    duration_minutes: int
    module_id: int | None
    module_topic: str | None
    path_name: str | None
    present_count: int
    attendance: list[AttendanceRead] = []


class PathEndedLoanRead(Struct, kw_only=True):
    """An open loan whose learning path is over: to return or renew."""

    reference: str
    beneficiary_number: str
    site_code: str
    started_on: dt.date
    due_on: dt.date | None
    enrollment_id: int
    path_name: str
    enrollment_status: str
    enrollment_status_label: str
    expected_end_on: dt.date
    exit_on: dt.date | None
    action: str = "return_or_renew"
    action_label: str = ""
