"""Learning paths: assessments, paths and modules, sessions, enrollments and their progress.

The loan is a means, the path is the point: a path's expected end sets the loan's due date,
and a loan whose path is over is flagged for return or renewal. Pure rules, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from inventory.domain.errors import Conflict, InvalidInput, N_
from inventory.domain.loan_policy import add_months

FOLLOW_UP_MONTHS = 6  # the follow-up after the exit, as funders ask
MAX_SESSIONS_PER_WEEK = 7
MAX_PLANNED_SESSIONS = 100
MAX_SESSION_MINUTES = 8 * 60


class AssessmentKind(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"

    @property
    def label(self) -> str:
        return ASSESSMENT_KIND_LABELS[self]


class AssessmentTool(StrEnum):
    IN_HOUSE = "in_house"
    LES_BONS_CLICS = "les_bons_clics"
    PIX = "pix"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ASSESSMENT_TOOL_LABELS[self]


class Level(StrEnum):
    """Digital autonomy, from excluded to near-autonomous (also a module's target level)."""

    EXCLUDED = "excluded"
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    NEAR_AUTONOMOUS = "near_autonomous"

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]


class Area(StrEnum):
    """The five DigComp / Pix areas."""

    INFORMATION = "information"
    COMMUNICATION = "communication"
    CONTENT_CREATION = "content_creation"
    SAFETY = "safety"
    PROBLEM_SOLVING = "problem_solving"

    @property
    def label(self) -> str:
        return AREA_LABELS[self]


class Objective(StrEnum):
    JOB_SEARCH = "job_search"
    SCHOOLING = "schooling"
    ONLINE_ADMIN = "online_admin"
    KEEPING_IN_TOUCH = "keeping_in_touch"
    HEALTH = "health"
    BANKING = "banking"
    OTHER = "other"

    @property
    def label(self) -> str:
        return OBJECTIVE_LABELS[self]


class ModuleFormat(StrEnum):
    WORKSHOP = "workshop"
    DROP_IN = "drop_in"
    ONE_TO_ONE = "one_to_one"

    @property
    def label(self) -> str:
        return MODULE_FORMAT_LABELS[self]


class SessionKind(StrEnum):
    """A group workshop, or a drop-in session (one person, one question)."""

    WORKSHOP = "workshop"
    DROP_IN = "drop_in"

    @property
    def label(self) -> str:
        return SESSION_KIND_LABELS[self]


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    ABANDONED = "abandoned"

    @property
    def label(self) -> str:
        return ENROLLMENT_STATUS_LABELS[self]


class Outcome(StrEnum):
    """Where the person stands at the exit, or at the 6-month follow-up."""

    AUTONOMOUS = "autonomous"
    PARTLY = "partly"
    ASSISTED = "assisted"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


ASSESSMENT_KIND_LABELS: dict[str, str] = {
    AssessmentKind.ENTRY: N_("entry assessment"),
    AssessmentKind.EXIT: N_("exit assessment"),
}
ASSESSMENT_TOOL_LABELS: dict[str, str] = {
    AssessmentTool.IN_HOUSE: N_("in-house assessment"),
    AssessmentTool.LES_BONS_CLICS: N_("Les Bons Clics"),
    AssessmentTool.PIX: N_("Pix"),
    AssessmentTool.OTHER: N_("other tool"),
}
LEVEL_LABELS: dict[str, str] = {
    Level.EXCLUDED: N_("digitally excluded"),
    Level.BEGINNER: N_("beginner"),
    Level.INTERMEDIATE: N_("intermediate"),
    Level.NEAR_AUTONOMOUS: N_("nearly autonomous"),
}
AREA_LABELS: dict[str, str] = {
    Area.INFORMATION: N_("information and data"),
    Area.COMMUNICATION: N_("communication and collaboration"),
    Area.CONTENT_CREATION: N_("digital content creation"),
    Area.SAFETY: N_("safety"),
    Area.PROBLEM_SOLVING: N_("problem solving"),
}
OBJECTIVE_LABELS: dict[str, str] = {
    Objective.JOB_SEARCH: N_("job search"),
    Objective.SCHOOLING: N_("children's schooling"),
    Objective.ONLINE_ADMIN: N_("online administration"),
    Objective.KEEPING_IN_TOUCH: N_("keeping in touch"),
    Objective.HEALTH: N_("health"),
    Objective.BANKING: N_("banking"),
    Objective.OTHER: N_("other objective"),
}
MODULE_FORMAT_LABELS: dict[str, str] = {
    ModuleFormat.WORKSHOP: N_("group workshop"),
    ModuleFormat.DROP_IN: N_("drop-in session"),
    ModuleFormat.ONE_TO_ONE: N_("one-to-one session"),
}
SESSION_KIND_LABELS: dict[str, str] = {
    SessionKind.WORKSHOP: N_("group workshop"),
    SessionKind.DROP_IN: N_("drop-in session"),
}
ENROLLMENT_STATUS_LABELS: dict[str, str] = {
    EnrollmentStatus.ACTIVE: N_("in progress"),
    EnrollmentStatus.COMPLETED: N_("completed"),
    EnrollmentStatus.ABANDONED: N_("abandoned"),
}
OUTCOME_LABELS: dict[str, str] = {
    Outcome.AUTONOMOUS: N_("autonomous"),
    Outcome.PARTLY: N_("partly autonomous"),
    Outcome.ASSISTED: N_("still needs assistance"),
}


def choice(enum: type[StrEnum], value: Any, field: str) -> Any:
    """``value`` as a member of ``enum``, or InvalidInput naming the field."""
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(N_("“{value}” is not a valid value for “{field}”."),
                           value=str(value)[:40], field=field) from None


def area_levels(levels: Mapping[str, Any]) -> dict[str, str]:
    """Per-area levels checked: known areas only, each with a known level."""
    checked = {}
    for area, level in levels.items():
        checked[choice(Area, area, "area").value] = choice(Level, level, area).value
    return checked


# --- paths and modules ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ModulePlan:
    """What a module plans: how many sessions, how many hours."""

    planned_sessions: int
    planned_hours: Decimal


def check_module(topic: str, planned_sessions: int, planned_hours: Any) -> ModulePlan:
    """A module needs a topic, at least one session and a sensible number of hours."""
    if not topic.strip():
        raise InvalidInput(N_("A module needs a topic."))
    if not 1 <= planned_sessions <= MAX_PLANNED_SESSIONS:
        raise InvalidInput(N_("A module plans 1 to {max} sessions, not {count}."),
                           max=MAX_PLANNED_SESSIONS, count=planned_sessions)
    try:
        hours = Decimal(str(planned_hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        hours = Decimal(-1)
    if not Decimal(0) < hours <= Decimal(planned_sessions * MAX_SESSION_MINUTES) / 60:
        raise InvalidInput(N_("The planned hours of a module must be more than 0 and at most "
                              "8 per session."))
    return ModulePlan(planned_sessions, hours)


def check_sessions_per_week(count: int) -> int:
    if not 1 <= count <= MAX_SESSIONS_PER_WEEK:
        raise InvalidInput(N_("A path plans 1 to {max} sessions a week, not {count}."),
                           max=MAX_SESSIONS_PER_WEEK, count=count)
    return count


def expected_end(start: date, planned_sessions: int, sessions_per_week: int) -> date:
    """The last day of the week in which the path's last planned session falls."""
    weeks = max(1, math.ceil(planned_sessions / max(1, sessions_per_week)))
    return start + timedelta(days=7 * weeks - 1)


# --- sessions ---------------------------------------------------------------------------

def check_duration(minutes: int) -> int:
    if not 1 <= minutes <= MAX_SESSION_MINUTES:
        raise InvalidInput(N_("A session lasts 1 to {max} minutes, not {minutes}."),
                           max=MAX_SESSION_MINUTES, minutes=minutes)
    return minutes


def check_topics(topics: list[str]) -> list[str]:
    """Topics trimmed, empty ones dropped; at least one."""
    cleaned = [" ".join(t.split())[:120] for t in topics if t.strip()]
    if not cleaned:
        raise InvalidInput(N_("Say what the session was about (at least one topic)."))
    return cleaned


# --- enrollments ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Progress:
    """Modules done out of those planned; a module is done when its sessions were attended."""

    done: int
    planned: int

    @property
    def percent(self) -> int:
        return 0 if self.planned == 0 else round(100 * self.done / self.planned)


def progress(planned: Mapping[int, int], attended: Mapping[int, int]) -> Progress:
    """``planned``: module id -> planned sessions; ``attended``: module id -> sessions present."""
    done = sum(1 for module, sessions in planned.items() if attended.get(module, 0) >= sessions)
    return Progress(done, len(planned))


def path_ended(status: str, expected_end_on: date, today: date) -> bool:
    """Whether the path a loan serves is over: closed, or past its expected end."""
    return EnrollmentStatus(status) != EnrollmentStatus.ACTIVE or today > expected_end_on


def follow_up_due(exit_on: date) -> date:
    """When the follow-up interview is due."""
    return add_months(exit_on, FOLLOW_UP_MONTHS)


@dataclass(frozen=True, slots=True)
class EnrollmentState:
    """What an update may change: the status and the outcomes, with their dates."""

    status: EnrollmentStatus
    started_on: date
    exit_on: date | None = None
    exit_outcome: Outcome | None = None
    follow_up_on: date | None = None
    follow_up_outcome: Outcome | None = None


def close(state: EnrollmentState, status: EnrollmentStatus, outcome: Outcome | None,
          on: date) -> EnrollmentState:
    """An active enrollment ends (completed or abandoned), with the outcome at exit."""
    if state.status != EnrollmentStatus.ACTIVE:
        raise Conflict(N_("This enrollment is already closed."))
    if status == EnrollmentStatus.ACTIVE:
        raise InvalidInput(N_("An enrollment ends as completed or abandoned."))
    if on < state.started_on:
        raise InvalidInput(N_("The exit ({exit_on}) cannot come before the start "
                              "({started_on})."), exit_on=on, started_on=state.started_on)
    return EnrollmentState(status, state.started_on, on, outcome)


def follow_up(state: EnrollmentState, outcome: Outcome, on: date) -> EnrollmentState:
    """The 6-month follow-up's outcome, recorded after the exit."""
    if state.status == EnrollmentStatus.ACTIVE or state.exit_on is None:
        raise Conflict(N_("The follow-up comes after the exit: close the enrollment first."))
    if on < state.exit_on:
        raise InvalidInput(N_("The follow-up ({on}) cannot come before the exit ({exit_on})."),
                           on=on, exit_on=state.exit_on)
    return EnrollmentState(state.status, state.started_on, state.exit_on, state.exit_outcome,
                           on, outcome)
