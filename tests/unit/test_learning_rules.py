"""The pure rules of learning paths: expected end, progress, closing and follow-up, checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from inventory.domain import learning as rules
from inventory.domain.errors import Conflict, InvalidInput
from inventory.domain.learning import EnrollmentState, EnrollmentStatus, Outcome
from inventory.domain.loan_policy import KindPolicy, LoanPolicy
from inventory.i18n import gettext_for
from inventory.services.learning_seed import SEED_PATHS

MONDAY = date(2026, 12, 7)
FRENCH = gettext_for("fr")


def test_initiation_ends_after_three_weeks_of_three_sessions() -> None:
    assert rules.expected_end(MONDAY, planned_sessions=9, sessions_per_week=3) == date(2026, 12, 27)


@pytest.mark.parametrize(("sessions", "per_week", "weeks"), [
    (1, 1, 1), (4, 1, 4), (8, 2, 4), (9, 2, 5), (0, 3, 1), (2, 7, 1),
])
def test_the_expected_end_is_the_last_day_of_the_last_week(sessions, per_week, weeks) -> None:
    end = rules.expected_end(MONDAY, sessions, per_week)
    assert (end - MONDAY).days == 7 * weeks - 1


def test_a_module_is_done_when_all_its_planned_sessions_were_attended() -> None:
    planned = {1: 3, 2: 3, 3: 1}
    progress = rules.progress(planned, {1: 3, 2: 2, 3: 4, 99: 5})
    assert (progress.done, progress.planned, progress.percent) == (2, 3, 67)


def test_a_path_without_modules_shows_no_progress_rather_than_dividing_by_zero() -> None:
    assert rules.progress({}, {}).percent == 0


@pytest.mark.parametrize(("status", "today", "ended"), [
    ("active", date(2026, 12, 27), False),
    ("active", date(2026, 12, 28), True),
    ("completed", date(2026, 12, 8), True),
    ("abandoned", date(2026, 12, 8), True),
])
def test_a_loan_is_flagged_when_its_path_is_closed_or_past_its_end(status, today, ended) -> None:
    assert rules.path_ended(status, date(2026, 12, 27), today) is ended


def test_the_due_date_follows_the_path_end_within_the_policy() -> None:
    policy = LoanPolicy({"laptop": KindPolicy(default_months=3, max_months=6)})
    path_end = rules.expected_end(MONDAY, 9, 3)
    assert policy.due_date("laptop", MONDAY, path_end=path_end) == path_end
    assert policy.due_date("laptop", MONDAY, path_end=date(2027, 12, 1)) == date(2027, 6, 7)


def active(start: date = MONDAY) -> EnrollmentState:
    return EnrollmentState(EnrollmentStatus.ACTIVE, start)


def test_an_enrollment_closes_once_with_its_outcome_and_exit_date() -> None:
    closed = rules.close(active(), EnrollmentStatus.COMPLETED, Outcome.AUTONOMOUS,
                         date(2026, 12, 27))
    assert (closed.status, closed.exit_outcome, closed.exit_on) == (
        "completed", "autonomous", date(2026, 12, 27))
    with pytest.raises(Conflict):
        rules.close(closed, EnrollmentStatus.ABANDONED, None, date(2026, 12, 28))


def test_an_enrollment_cannot_end_before_it_started_nor_end_as_active() -> None:
    with pytest.raises(InvalidInput):
        rules.close(active(), EnrollmentStatus.COMPLETED, None, date(2026, 12, 6))
    with pytest.raises(InvalidInput):
        rules.close(active(), EnrollmentStatus.ACTIVE, None, date(2026, 12, 8))


def test_the_follow_up_comes_after_the_exit() -> None:
    with pytest.raises(Conflict) as refused:
        rules.follow_up(active(), Outcome.AUTONOMOUS, date(2027, 6, 27))
    assert "suivi" in refused.value.render(FRENCH)
    closed = rules.close(active(), EnrollmentStatus.COMPLETED, Outcome.PARTLY, date(2026, 12, 27))
    with pytest.raises(InvalidInput):
        rules.follow_up(closed, Outcome.AUTONOMOUS, date(2026, 12, 26))
    later = rules.follow_up(closed, Outcome.AUTONOMOUS, date(2027, 6, 27))
    assert (later.exit_outcome, later.follow_up_outcome) == ("partly", "autonomous")
    assert rules.follow_up_due(date(2026, 12, 27)) == date(2027, 6, 27)


def test_area_levels_name_known_areas_and_levels_only() -> None:
    assert rules.area_levels({"safety": "beginner"}) == {"safety": "beginner"}
    with pytest.raises(InvalidInput) as unknown_area:
        rules.area_levels({"cooking": "beginner"})
    assert "cooking" in unknown_area.value.render(FRENCH)
    with pytest.raises(InvalidInput):
        rules.area_levels({"safety": "expert"})


@pytest.mark.parametrize(("topic", "sessions", "hours"), [
    ("", 1, 2), ("Messagerie", 0, 2), ("Messagerie", 101, 2), ("Messagerie", 1, 0),
    ("Messagerie", 1, 9), ("Messagerie", 1, "deux"),
])
def test_a_module_plans_a_topic_sessions_and_sensible_hours(topic, sessions, hours) -> None:
    with pytest.raises(InvalidInput):
        rules.check_module(topic, sessions, hours)


def test_module_hours_keep_one_decimal() -> None:
    assert rules.check_module("Scanner un justificatif", 1, 1.5).planned_hours == Decimal("1.5")


def test_every_label_has_a_french_translation() -> None:
    for labels in (rules.ASSESSMENT_KIND_LABELS, rules.ASSESSMENT_TOOL_LABELS,
                   rules.LEVEL_LABELS, rules.AREA_LABELS, rules.OBJECTIVE_LABELS,
                   rules.MODULE_FORMAT_LABELS, rules.SESSION_KIND_LABELS,
                   rules.ENROLLMENT_STATUS_LABELS, rules.OUTCOME_LABELS):
        for enum_value, label in labels.items():
            assert FRENCH(label) != label or label in {"Pix", "Les Bons Clics"}, label


def test_the_seed_paths_are_the_five_typical_ones_and_valid() -> None:
    assert [p.name for p in SEED_PATHS] == [
        "Initiation", "Emploi", "Démarches en ligne", "Scolarité des enfants", "Garder le lien"]
    initiation = SEED_PATHS[0]
    sessions = sum(m[3] for m in initiation.modules)
    assert (sessions, initiation.sessions_per_week) == (9, 3)
    assert sum(m[4] for m in initiation.modules) == 18  # 2 h each
    for path in SEED_PATHS:
        rules.choice(rules.Objective, path.objective, "objective")
        for topic, level, format_, planned, hours in path.modules:
            rules.check_module(topic, planned, hours)
            rules.choice(rules.Level, level, "level")
            rules.choice(rules.ModuleFormat, format_, "format")
