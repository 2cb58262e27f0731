"""Loan policy: due dates per kind, renewals, deposit forms, and the policy's own settings."""

from __future__ import annotations

import copy
import tomllib
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.eligibility_fr import FRENCH
from inventory.domain.lifecycle import Kind
from inventory.domain.loan_policy import (
    DEPOSIT_FORM_LABELS,
    DepositForm,
    InvalidDueDate,
    KindPolicy,
    LoanFacts,
    LoanPolicy,
    RenewalRefused,
    add_months,
)
from inventory.domain.rulesets import InvalidRuleSet, from_dict
from tests.unit.test_eligibility import RULES, RULES_TEXT

POLICY = RULES.loan_policy
START = date(2026, 3, 10)


def french(message: str) -> str:
    return FRENCH.get(message, message)


# --- month arithmetic ----------------------------------------------------------------------

@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 3, 10), 3, date(2026, 6, 10)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 3, 10), 0, date(2026, 3, 10)),
])
def test_months_are_added_on_the_calendar_and_clamped_to_the_months_end(
    day: date, months: int, expected: date,
) -> None:
    assert add_months(day, months) == expected


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
       st.integers(min_value=0, max_value=48))
def test_adding_months_moves_the_month_and_never_grows_the_day(day: date, months: int) -> None:
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day <= day.day


# --- due dates -----------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "due"), [
    (Kind.LAPTOP, date(2026, 6, 10)),
    (Kind.TABLET, date(2026, 6, 10)),
    (Kind.SMARTPHONE, date(2026, 6, 10)),
    (Kind.HOTSPOT, date(2026, 4, 10)),
])
def test_a_loan_is_due_after_the_default_duration_of_its_kind(kind: Kind, due: date) -> None:
    assert POLICY.due_date(kind, START) == due


@pytest.mark.parametrize("kind", [Kind.SIM, Kind.DATA_CARD])
def test_a_connection_card_is_handed_over_without_a_due_date(kind: Kind) -> None:
    assert POLICY.due_date(kind, START) is None


def test_staff_may_choose_a_due_date_up_to_the_maximum() -> None:
    assert POLICY.due_date(Kind.LAPTOP, START, requested=date(2026, 5, 1)) == date(2026, 5, 1)
    assert POLICY.due_date(Kind.LAPTOP, START, requested=date(2026, 9, 10)) == date(2026, 9, 10)


def test_a_due_date_one_day_past_the_maximum_is_refused_with_the_latest_possible_date() -> None:
    with pytest.raises(InvalidDueDate) as caught:
        POLICY.due_date(Kind.LAPTOP, START, requested=date(2026, 9, 11))
    assert caught.value.reason == "beyond_max"
    assert caught.value.params["latest"] == date(2026, 9, 10)
    assert caught.value.render(french) == (
        "Le type « ordinateur portable » est prêté 6 mois au plus : la date de retour peut être "
        "au plus tard le 10/09/2026, pas le 11/09/2026."
    )


@pytest.mark.parametrize("requested", [START, START - timedelta(days=1)])
def test_a_due_date_not_after_the_start_is_refused(requested: date) -> None:
    with pytest.raises(InvalidDueDate) as caught:
        POLICY.due_date(Kind.TABLET, START, requested=requested)
    assert caught.value.reason == "not_after_start"


def test_a_due_date_cannot_be_chosen_for_a_connection_card() -> None:
    with pytest.raises(InvalidDueDate) as caught:
        POLICY.due_date(Kind.SIM, START, requested=date(2026, 4, 1))
    assert caught.value.reason == "no_term"


def test_a_loan_follows_the_learning_paths_end_within_the_maximum() -> None:
    path_end = date(2026, 7, 31)
    assert POLICY.due_date(Kind.LAPTOP, START, path_end=path_end) == path_end
    assert POLICY.due_date(Kind.LAPTOP, START, path_end=date(2026, 4, 1)) == date(2026, 4, 1)


def test_a_path_ending_after_the_maximum_is_followed_as_far_as_the_maximum() -> None:
    assert POLICY.due_date(Kind.LAPTOP, START, path_end=date(2027, 1, 1)) == date(2026, 9, 10)


def test_a_path_already_over_gives_the_default_duration() -> None:
    assert POLICY.due_date(Kind.LAPTOP, START, path_end=START) == date(2026, 6, 10)


def test_the_staff_choice_wins_over_the_paths_end() -> None:
    due = POLICY.due_date(Kind.LAPTOP, START, requested=date(2026, 5, 1),
                          path_end=date(2026, 7, 31))
    assert due == date(2026, 5, 1)


def test_a_kind_is_accepted_by_its_code() -> None:
    assert POLICY.due_date("hotspot", START) == date(2026, 4, 10)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(Kind), st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 1, 1)),
       st.none() | st.integers(min_value=-30, max_value=400),
       st.none() | st.integers(min_value=-30, max_value=800))
def test_a_due_date_is_after_the_start_and_within_the_maximum_or_refused(
    kind: Kind, start: date, requested_in: int | None, path_in: int | None,
) -> None:
    requested = None if requested_in is None else start + timedelta(days=requested_in)
    path_end = None if path_in is None else start + timedelta(days=path_in)
    try:
        due = POLICY.due_date(kind, start, requested=requested, path_end=path_end)
    except InvalidDueDate:
        assert requested is not None
        return
    term = POLICY.terms.get(kind)
    if term is None:
        assert due is None
    else:
        assert due is not None and start < due <= add_months(start, term.max_months)


# --- renewals ------------------------------------------------------------------------------

def loan(kind: Kind = Kind.LAPTOP, renewals_done: int = 0,
         due_on: date | None = date(2026, 6, 10)) -> LoanFacts:
    return LoanFacts(kind, START, due_on, renewals_done)


def test_a_loan_is_renewed_from_its_due_date_by_the_renewal_length() -> None:
    renewal = POLICY.can_renew(loan(), someone_waiting_for_kind=False)
    assert renewal.allowed
    assert renewal.new_due_on == date(2026, 9, 10)
    assert POLICY.renew(loan(), someone_waiting_for_kind=False) == date(2026, 9, 10)


def test_a_loan_is_not_renewed_when_someone_waits_for_that_kind() -> None:
    renewal = POLICY.can_renew(loan(), someone_waiting_for_kind=True)
    assert not renewal.allowed
    assert renewal.reason.render(french) == (
        "Quelqu’un attend un matériel de type « ordinateur portable » : "
        "le prêt ne peut pas être prolongé."
    )


@pytest.mark.parametrize(("done", "allowed"), [(0, True), (1, True), (2, False)])
def test_a_loan_is_renewed_at_most_the_allowed_number_of_times(done: int, allowed: bool) -> None:
    assert POLICY.can_renew(loan(Kind.HOTSPOT, done), False).allowed is allowed


def test_a_kind_without_renewals_is_not_renewed() -> None:
    assert not POLICY.can_renew(loan(Kind.DESKTOP), False).allowed


def test_a_connection_card_is_not_renewed() -> None:
    assert not POLICY.can_renew(loan(Kind.SIM, due_on=None), False).allowed


def test_renewing_a_loan_that_cannot_be_renewed_says_why() -> None:
    with pytest.raises(RenewalRefused) as caught:
        POLICY.renew(loan(renewals_done=1), someone_waiting_for_kind=False)
    assert caught.value.render(french) == "Ce prêt a déjà été prolongé 1 fois ; la limite est de 1."


def test_a_policy_is_frozen() -> None:
    policy = LoanPolicy({Kind.LAPTOP: KindPolicy(3, 6)})
    with pytest.raises(TypeError):
        policy.terms[Kind.TABLET] = KindPolicy(1, 1)  # type: ignore[index]


# --- deposits ------------------------------------------------------------------------------

def test_the_deposit_forms_are_cheque_not_cashed_cash_or_waived() -> None:
    assert [f.value for f in DepositForm] == ["cheque_not_cashed", "cash", "waived"]
    assert [french(f.label) for f in DepositForm] == ["chèque non encaissé", "espèces", "dispensé"]
    assert set(DEPOSIT_FORM_LABELS) == set(DepositForm)


# --- the loan_policy section of the rule set -----------------------------------------------

GOOD: dict[str, Any] = tomllib.loads(RULES_TEXT)


def policy_problems(kind: str, section: Any) -> list[tuple[str, str]]:
    data = copy.deepcopy(GOOD)
    if section is ...:
        del data["loan_policy"][kind]
    else:
        data["loan_policy"][kind] = section
    with pytest.raises(InvalidRuleSet) as caught:
        from_dict(data)
    return [(p.message, p.params["key"]) for p in caught.value.problems]


def test_every_device_kind_needs_loan_terms() -> None:
    assert policy_problems("tablet", ...) == [("Missing setting “{key}”.", "loan_policy.tablet")]


def test_a_connection_card_may_have_loan_terms_like_a_returnable_sim() -> None:
    data = copy.deepcopy(GOOD)
    data["loan_policy"]["sim"] = {"default_months": 1, "max_months": 2, "renewals": 0}
    assert from_dict(data).loan_policy.due_date(Kind.SIM, START) == date(2026, 4, 10)


@pytest.mark.parametrize(("kind", "section", "expected"), [
    ("typewriter", {"default_months": 1, "max_months": 1, "renewals": 0},
     [("Unknown setting “{key}”.", "loan_policy.typewriter")]),
    ("laptop", {"default_months": 3, "max_months": 6, "renewals": 0, "colour": "red"},
     [("Unknown setting “{key}”.", "loan_policy.laptop.colour")]),
    ("laptop", {"default_months": 7, "max_months": 6, "renewals": 0},
     [("In “{key}”, the default duration ({default} months) exceeds the maximum "
       "({maximum} months).", "loan_policy.laptop")]),
    ("laptop", {"default_months": 0, "max_months": 6, "renewals": 0},
     [("“{key}” must be at least {minimum}, not {value}.", "loan_policy.laptop.default_months")]),
    ("laptop", {"default_months": 3, "max_months": 6, "renewals": 1},
     [("Missing setting “{key}”.", "loan_policy.laptop.renewal_months")]),
    ("laptop", {"default_months": 3, "max_months": 6, "renewals": -1},
     [("“{key}” must be at least {minimum}, not {value}.", "loan_policy.laptop.renewals")]),
    ("laptop", {"max_months": 6, "renewals": 0},
     [("Missing setting “{key}”.", "loan_policy.laptop.default_months")]),
    ("laptop", "3 mois", [("“{key}” must be a section of settings.", "loan_policy.laptop")]),
])
def test_broken_loan_terms_are_reported_by_name(kind: str, section: Any,
                                                expected: list[tuple[str, str]]) -> None:
    assert policy_problems(kind, section) == expected
