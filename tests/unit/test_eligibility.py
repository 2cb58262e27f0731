"""Each eligibility rule on its own: passing, failing, and at its boundary."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from inventory.domain import eligibility as el
from inventory.domain.eligibility import (
    Applicant,
    Facts,
    LoanHistory,
    ReferralFacts,
    Request,
    RuleOutcome,
    Situation,
)
from inventory.domain.lifecycle import Family, Kind
from inventory.domain.rulesets import RuleSet

TODAY = date(2026, 6, 15)

RULES_TEXT = """
version = "test-1"
served_communes = ["Pantin", "Saint-Denis", "93066"]
target_publics = ["minima_sociaux", "demandeur_emploi", "sans_domicile"]
minimum_age = 18
programme_max_months = 12
card_budget_per_month_eur = 20
decision_valid_months = 12
enrollment_required_for_devices = true

[max_active_loans.person]
device = 1
card = 2

[max_active_loans.household]
device = 2
card = 3

[cooldown_days]
laptop = 365
hotspot = 30

[loan_policy.laptop]
default_months = 3
max_months = 6
renewals = 1
renewal_months = 3

[loan_policy.desktop]
default_months = 3
max_months = 6
renewals = 0

[loan_policy.tablet]
default_months = 3
max_months = 6
renewals = 1
renewal_months = 3

[loan_policy.smartphone]
default_months = 3
max_months = 6
renewals = 1
renewal_months = 3

[loan_policy.hotspot]
default_months = 1
max_months = 3
renewals = 2
renewal_months = 1
"""
RULES = RuleSet.parse(RULES_TEXT)


def rules(**changes: Any) -> RuleSet:
    """The test rule set with some settings changed."""
    return dataclasses.replace(RULES, **changes)


def facts(
    *,
    birth_year: int = 1990,
    commune: str = "Pantin",
    situation: Situation = Situation.DEMANDEUR_EMPLOI,
    in_priority_area: bool = False,
    has_guardian: bool = False,
    partner_active: bool = True,
    referred_on: date | None = TODAY - timedelta(days=10),
    kinds: tuple[str, ...] = ("laptop",),
    card_amount: str = "0",
    enrolled: bool = True,
    today: date = TODAY,
    **history: Any,
) -> Facts:
    """Facts of an eligible request, with some of them changed."""
    return Facts(
        applicant=Applicant(birth_year, commune, situation, in_priority_area, has_guardian),
        referral=ReferralFacts(partner_active, referred_on),
        history=LoanHistory(**history),
        request=Request(frozenset(kinds), Decimal(card_amount), enrolled),
        today=today,
    )


def check(outcome: RuleOutcome, passed: bool, rule_id: str) -> None:
    assert outcome.rule_id == rule_id
    assert outcome.passed is passed, outcome.render(str)


# --- referral ------------------------------------------------------------------------------

def test_a_person_referred_by_an_active_partner_passes_the_referral_rule() -> None:
    check(el.referred_by_active_partner(facts(), RULES), True, "referral")


def test_a_person_nobody_referred_is_refused() -> None:
    outcome = el.referred_by_active_partner(facts(referred_on=None), RULES)
    check(outcome, False, "referral")
    assert outcome.reason.message == "No partner organisation referred this person."


def test_a_referral_by_a_partner_no_longer_active_is_refused() -> None:
    check(el.referred_by_active_partner(facts(partner_active=False), RULES), False, "referral")


def test_a_referral_dated_in_the_future_is_refused() -> None:
    outcome = el.referred_by_active_partner(facts(referred_on=TODAY + timedelta(days=1)), RULES)
    check(outcome, False, "referral")


def test_a_referral_made_today_is_accepted() -> None:
    check(el.referred_by_active_partner(facts(referred_on=TODAY), RULES), True, "referral")


def test_an_old_referral_is_accepted_when_no_validity_is_configured() -> None:
    old = facts(referred_on=date(2020, 1, 1))
    check(el.referred_by_active_partner(old, RULES), True, "referral")


@pytest.mark.parametrize(("age_in_days", "passed"), [(179, True), (180, True), (181, False)])
def test_a_referral_is_valid_for_the_configured_number_of_days(age_in_days: int,
                                                                passed: bool) -> None:
    on = TODAY - timedelta(days=age_in_days)
    outcome = el.referred_by_active_partner(facts(referred_on=on),
                                            rules(referral_valid_days=180))
    check(outcome, passed, "referral")


# --- target public -------------------------------------------------------------------------

@pytest.mark.parametrize("situation", list(Situation))
def test_only_the_configured_publics_are_targeted(situation: Situation) -> None:
    outcome = el.in_target_public(facts(situation=situation), RULES)
    check(outcome, situation in RULES.target_publics, "target_public")
    assert outcome.reason.params["situation"] is situation


# --- residence -----------------------------------------------------------------------------

@pytest.mark.parametrize("commune", [
    "Pantin", "pantin", "SAINT DENIS", "Saint-Dénis", " saint-denis ", "93066",
])
def test_a_resident_of_a_served_commune_passes_however_it_is_written(commune: str) -> None:
    check(el.resident_of_served_area(facts(commune=commune), RULES), True, "residence")


def test_a_resident_of_another_commune_is_refused() -> None:
    outcome = el.resident_of_served_area(facts(commune="Montreuil"), RULES)
    check(outcome, False, "residence")
    assert outcome.reason.params == {"commune": "Montreuil"}


@pytest.mark.parametrize(("in_priority_area", "passed"), [(True, True), (False, False)])
def test_a_priority_area_is_required_only_when_configured(in_priority_area: bool,
                                                          passed: bool) -> None:
    case = facts(in_priority_area=in_priority_area)
    check(el.resident_of_served_area(case, rules(priority_area_required=True)), passed,
          "residence")
    check(el.resident_of_served_area(case, RULES), True, "residence")


# --- age -----------------------------------------------------------------------------------

@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 12, 31)])
def test_a_person_turning_18_this_year_is_old_enough_all_year(today: date) -> None:
    # Only the birth year is known: the age reached during the year counts from 1 January.
    outcome = el.old_enough(facts(birth_year=2008, today=today), RULES)
    check(outcome, True, "age")
    assert outcome.reason.params["age"] == 18


def test_a_person_turning_17_this_year_is_too_young() -> None:
    outcome = el.old_enough(facts(birth_year=2009), RULES)
    check(outcome, False, "age")
    assert outcome.reason.params == {"age": 17, "minimum": 18}


def test_a_minor_with_a_guardian_passes_the_age_rule() -> None:
    check(el.old_enough(facts(birth_year=2010, has_guardian=True), RULES), True, "age")


def test_a_birth_year_in_the_future_fails_without_raising() -> None:
    check(el.old_enough(facts(birth_year=2030), RULES), False, "age")


def test_the_minimum_age_comes_from_the_rule_set() -> None:
    check(el.old_enough(facts(birth_year=2010), rules(minimum_age=16)), True, "age")


# --- unresolved losses ---------------------------------------------------------------------

def test_a_person_with_an_unresolved_loss_is_refused() -> None:
    outcome = el.no_unresolved_loss(facts(unresolved_losses=1), RULES)
    check(outcome, False, "unresolved_loss")
    assert outcome.reason.params == {"count": 1}


def test_a_person_without_unresolved_loss_passes() -> None:
    check(el.no_unresolved_loss(facts(), RULES), True, "unresolved_loss")


# --- programme duration --------------------------------------------------------------------

def test_a_person_who_never_borrowed_is_within_the_programme() -> None:
    check(el.programme_not_over(facts(), RULES), True, "programme_duration")


@pytest.mark.parametrize(("today", "passed"), [
    (date(2026, 1, 9), True),   # the eve of the 12-month anniversary
    (date(2026, 1, 10), False),  # 12 months to the day: the programme is over
    (date(2026, 3, 1), False),
])
def test_the_programme_ends_on_the_anniversary_of_the_first_loan(today: date,
                                                                 passed: bool) -> None:
    case = facts(first_loan_on=date(2025, 1, 10), today=today)
    outcome = el.programme_not_over(case, RULES)
    check(outcome, passed, "programme_duration")
    assert outcome.reason.params["ends"] == date(2026, 1, 10)


def test_a_programme_starting_on_31_august_ends_on_the_last_day_of_february() -> None:
    case = facts(first_loan_on=date(2025, 8, 31), today=date(2026, 2, 28))
    outcome = el.programme_not_over(case, rules(programme_max_months=6))
    check(outcome, False, "programme_duration")
    assert outcome.reason.params["ends"] == date(2026, 2, 28)


# --- active loans per person and per household ---------------------------------------------

@pytest.mark.parametrize(("active", "passed"), [(0, True), (1, False)])
def test_a_person_may_borrow_up_to_the_person_limit(active: int, passed: bool) -> None:
    case = facts(person_active={Family.DEVICE: active}, household_active={Family.DEVICE: active})
    check(el.within_person_limit(case, RULES, Family.DEVICE), passed, "person_limit")


def test_a_person_over_the_household_limit_is_not_eligible() -> None:
    # The person has nothing on loan, but two others in the household already have devices.
    case = facts(person_active={Family.DEVICE: 0}, household_active={Family.DEVICE: 2})
    check(el.within_person_limit(case, RULES, Family.DEVICE), True, "person_limit")
    outcome = el.within_household_limit(case, RULES, Family.DEVICE)
    check(outcome, False, "household_limit")
    assert outcome.reason.params == {"active": 2, "requested": 1, "limit": 2,
                                     "family": Family.DEVICE}


def test_a_household_one_below_its_limit_may_borrow_one_more() -> None:
    case = facts(household_active={Family.DEVICE: 1})
    check(el.within_household_limit(case, RULES, Family.DEVICE), True, "household_limit")


def test_lending_more_items_at_once_than_the_limit_is_refused() -> None:
    case = facts(kinds=("laptop", "smartphone"))
    check_out = dataclasses.replace(case, request=dataclasses.replace(
        case.request, quantities={Kind.LAPTOP: 1, Kind.SMARTPHONE: 1}))
    outcome = el.within_person_limit(check_out, RULES, Family.DEVICE)
    check(outcome, False, "person_limit")
    assert outcome.kinds == {Kind.LAPTOP, Kind.SMARTPHONE}
    two_tablets = dataclasses.replace(case, request=el.Request(
        frozenset({Kind.TABLET}), quantities={Kind.TABLET: 2}))
    check(el.within_person_limit(two_tablets, RULES, Family.DEVICE), False, "person_limit")


def test_a_decision_naming_several_kinds_of_a_family_asks_for_one_item_of_it() -> None:
    # "A laptop or a smartphone": the decision covers either; one of them will be lent.
    case = facts(kinds=("laptop", "smartphone"))
    check(el.within_person_limit(case, RULES, Family.DEVICE), True, "person_limit")
    busy = facts(kinds=("laptop", "smartphone"), person_active={Family.DEVICE: 1})
    check(el.within_person_limit(busy, RULES, Family.DEVICE), False, "person_limit")


@pytest.mark.parametrize(("active", "passed"), [(1, True), (2, False)])
def test_card_limits_are_counted_apart_from_devices(active: int, passed: bool) -> None:
    case = facts(kinds=("sim",), person_active={Family.DEVICE: 1, Family.CARD: active})
    check(el.within_person_limit(case, RULES, Family.CARD), passed, "person_limit")


# --- cooldown ------------------------------------------------------------------------------

@pytest.mark.parametrize(("days_since", "passed"), [(364, False), (365, True), (366, True)])
def test_a_new_loan_of_the_same_kind_waits_for_the_cooldown(days_since: int,
                                                            passed: bool) -> None:
    last = TODAY - timedelta(days=days_since)
    outcome = el.cooldown_over(facts(last_loan_on={Kind.LAPTOP: last}), RULES, Kind.LAPTOP)
    check(outcome, passed, "cooldown")
    assert outcome.kinds == {Kind.LAPTOP}
    if not passed:
        assert outcome.reason.params["possible_on"] == last + timedelta(days=365)


def test_the_cooldown_applies_only_to_the_same_kind() -> None:
    case = facts(kinds=("tablet",), last_loan_on={Kind.LAPTOP: TODAY})
    check(el.cooldown_over(case, RULES, Kind.TABLET), True, "cooldown")


def test_a_kind_without_configured_cooldown_can_be_lent_again_the_same_day() -> None:
    case = facts(kinds=("sim",), last_loan_on={Kind.SIM: TODAY})
    check(el.cooldown_over(case, RULES, Kind.SIM), True, "cooldown")


def test_a_first_loan_of_a_kind_has_no_cooldown() -> None:
    check(el.cooldown_over(facts(), RULES, Kind.LAPTOP), True, "cooldown")


# --- card budget ---------------------------------------------------------------------------

@pytest.mark.parametrize(("spent", "amount", "passed"), [
    ("0", "20", True), ("15", "5", True), ("15", "5.01", False), ("20", "0.01", False),
])
def test_cards_stay_within_the_monthly_budget(spent: str, amount: str, passed: bool) -> None:
    case = facts(kinds=("data_card",), card_amount=amount,
                 card_spent_this_month_eur=Decimal(spent))
    outcome = el.within_card_budget(case, RULES)
    check(outcome, passed, "card_budget")
    assert outcome.kinds == {Kind.DATA_CARD}


# --- learning-path enrollment --------------------------------------------------------------

@pytest.mark.parametrize(("enrolled", "passed"), [(True, True), (False, False)])
def test_a_device_is_lent_only_for_an_active_learning_path(enrolled: bool, passed: bool) -> None:
    check(el.enrolled_for_devices(facts(enrolled=enrolled), RULES), passed, "enrollment")


# --- request -------------------------------------------------------------------------------

def test_an_empty_request_is_refused() -> None:
    check(el.something_requested(facts(kinds=()), RULES), False, "request")


def test_a_request_names_kinds_by_their_code() -> None:
    assert Request(frozenset({"laptop"})).kinds == {Kind.LAPTOP}
    with pytest.raises(ValueError):
        Request(frozenset({"typewriter"}))
