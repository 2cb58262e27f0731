"""The eligibility engine: every outcome, what a decision covers, and how reasons read."""

from __future__ import annotations

import ast
import string
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain import eligibility as el
from inventory.domain.eligibility import (
    Applicant,
    Facts,
    LoanHistory,
    NotEligible,
    ReferralFacts,
    Request,
    Situation,
    check_loan,
    evaluate,
    valid_until,
)
from inventory.domain.eligibility_fr import FRENCH
from inventory.domain.lifecycle import Family, Kind
from inventory.domain.rulesets import RuleSet
from tests.unit.test_eligibility import RULES, TODAY, facts, rules


def french(message: str) -> str:
    return FRENCH.get(message, message)


def test_an_eligible_request_passes_every_rule_and_covers_what_was_asked() -> None:
    evaluation = evaluate(facts(kinds=("laptop", "sim"), card_amount="10"), RULES)
    assert evaluation.eligible
    assert evaluation.covers == {Kind.LAPTOP, Kind.SIM}
    assert evaluation.ruleset_version == "test-1"
    assert evaluation.failures == ()


def test_the_engine_returns_every_rule_outcome_not_just_the_first_failure() -> None:
    case = facts(referred_on=None, situation=Situation.AUTRE, commune="Lyon", birth_year=2015,
                 unresolved_losses=1, first_loan_on=date(2020, 1, 1),
                 person_active={Family.DEVICE: 1}, household_active={Family.DEVICE: 2},
                 last_loan_on={Kind.LAPTOP: TODAY}, enrolled=False)
    evaluation = evaluate(case, RULES)
    assert not evaluation.eligible
    assert [o.rule_id for o in evaluation.failures] == [
        "referral", "target_public", "residence", "age", "unresolved_loss",
        "programme_duration", "person_limit", "household_limit", "cooldown", "enrollment",
    ]
    assert evaluation.covers == frozenset()


def test_rules_about_kinds_are_applied_once_per_requested_family_and_kind() -> None:
    evaluation = evaluate(facts(kinds=("laptop", "hotspot", "sim", "data_card")), RULES)
    ids = [(o.rule_id, tuple(sorted(o.kinds))) for o in evaluation.outcomes if o.kinds]
    assert ids == [
        ("person_limit", (Kind.HOTSPOT, Kind.LAPTOP)),
        ("household_limit", (Kind.HOTSPOT, Kind.LAPTOP)),
        ("person_limit", (Kind.DATA_CARD, Kind.SIM)),
        ("household_limit", (Kind.DATA_CARD, Kind.SIM)),
        ("cooldown", (Kind.DATA_CARD,)),
        ("cooldown", (Kind.HOTSPOT,)),
        ("cooldown", (Kind.LAPTOP,)),
        ("cooldown", (Kind.SIM,)),
        ("card_budget", (Kind.DATA_CARD, Kind.SIM)),
        ("enrollment", (Kind.HOTSPOT, Kind.LAPTOP)),
    ]


def test_a_card_request_needs_no_learning_path_and_no_device_budget_check() -> None:
    evaluation = evaluate(facts(kinds=("sim",), enrolled=False), RULES)
    assert evaluation.eligible
    assert "enrollment" not in {o.rule_id for o in evaluation.outcomes}


def test_a_device_request_has_no_card_budget_outcome() -> None:
    evaluation = evaluate(facts(card_spent_this_month_eur=Decimal(500)), RULES)
    assert evaluation.eligible
    assert "card_budget" not in {o.rule_id for o in evaluation.outcomes}


def test_enrollment_is_not_checked_when_the_rule_set_does_not_require_it() -> None:
    evaluation = evaluate(facts(enrolled=False), rules(enrollment_required_for_devices=False))
    assert evaluation.eligible


def test_a_refusal_still_says_which_requested_kinds_would_pass() -> None:
    case = facts(kinds=("laptop", "sim"), last_loan_on={Kind.LAPTOP: TODAY})
    evaluation = evaluate(case, RULES)
    assert not evaluation.eligible
    assert evaluation.covers == {Kind.SIM}


def test_a_failed_rule_about_the_person_covers_nothing() -> None:
    evaluation = evaluate(facts(kinds=("laptop", "sim"), partner_active=False), RULES)
    assert evaluation.covers == frozenset()


def test_an_empty_request_is_not_eligible() -> None:
    evaluation = evaluate(facts(kinds=()), RULES)
    assert not evaluation.eligible
    assert [o.rule_id for o in evaluation.failures] == ["request"]


def test_a_check_out_rechecks_loan_rules_but_not_the_settled_decision() -> None:
    # The partner stopped being active after the decision: the valid decision still holds.
    settled = check_loan(facts(partner_active=False, commune="Lyon"), RULES)
    assert settled.eligible
    assert {o.rule_id for o in settled.outcomes}.isdisjoint({"referral", "residence", "age"})
    # A loss declared since the decision blocks the check-out.
    assert not check_loan(facts(unresolved_losses=1), RULES).eligible


def test_reasons_read_in_french() -> None:
    case = facts(last_loan_on={Kind.LAPTOP: date(2026, 1, 2)}, card_amount="2.5")
    evaluation = evaluate(case, RULES)
    assert evaluation.reasons(french) == [
        "Type « ordinateur portable » : dernier prêt le 02/01/2026 ; "
        "prochain prêt possible à partir du 02/01/2027."
    ]


def test_money_reads_with_a_decimal_comma() -> None:
    case = facts(kinds=("sim",), card_amount="2.5", card_spent_this_month_eur=Decimal("18"))
    outcome = el.within_card_budget(case, RULES)
    assert outcome.render(french) == (
        "Déjà 18,00 € de cartes ce mois-ci : 2,50 € de plus dépasseraient le budget de 20,00 €."
    )


def test_not_eligible_lists_every_failed_rule_in_the_users_language() -> None:
    error = NotEligible(evaluate(facts(partner_active=False, unresolved_losses=2), RULES))
    text = error.render(french)
    assert text.startswith("Non éligible : ")
    assert "n’est pas active" in text
    assert "2 objet(s) perdu(s)" in text


def test_a_decision_is_valid_until_the_eve_of_its_anniversary() -> None:
    assert valid_until(date(2026, 1, 15), RULES) == date(2027, 1, 14)
    assert valid_until(date(2028, 2, 29), RULES) == date(2029, 2, 27)
    assert valid_until(date(2026, 1, 15), rules(decision_valid_months=6)) == date(2026, 7, 14)


# --- the message catalogue -----------------------------------------------------------------

DOMAIN = Path(el.__file__).parent
SOURCES = [DOMAIN / "eligibility.py", DOMAIN / "loan_policy.py", DOMAIN / "rulesets/__init__.py"]


def _message_ids() -> set[str]:
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_":
                found.add(ast.literal_eval(node.args[0]))
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_a_french_translation_with_the_same_placeholders() -> None:
    ids = _message_ids()
    assert ids == set(FRENCH), "regenerate eligibility_fr.py"
    for message in ids:
        assert _fields(FRENCH[message]) == _fields(message), message


# --- properties ----------------------------------------------------------------------------

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
counts = st.integers(min_value=0, max_value=5)
money = st.decimals(min_value=0, max_value=100, places=2)

facts_strategy = st.builds(
    Facts,
    applicant=st.builds(Applicant, birth_year=st.integers(1900, 2035),
                        commune=st.sampled_from(["Pantin", "saint denis", "Lyon", ""]),
                        situation=st.sampled_from(Situation), in_priority_area=st.booleans(),
                        has_guardian=st.booleans()),
    referral=st.builds(ReferralFacts, partner_active=st.booleans(),
                       referred_on=st.none() | days),
    history=st.builds(
        LoanHistory,
        person_active=st.dictionaries(st.sampled_from(Family), counts),
        household_active=st.dictionaries(st.sampled_from(Family), counts),
        unresolved_losses=counts,
        last_loan_on=st.dictionaries(st.sampled_from(Kind), days),
        first_loan_on=st.none() | days,
        card_spent_this_month_eur=money,
    ),
    request=st.builds(Request, kinds=st.frozensets(st.sampled_from(Kind)),
                      card_amount_eur=money, serves_active_enrollment=st.booleans()),
    today=days,
)


rules_strategy = st.builds(
    rules,
    minimum_age=st.integers(0, 30),
    programme_max_months=st.integers(6, 18),
    card_budget_per_month_eur=money,
    enrollment_required_for_devices=st.booleans(),
    priority_area_required=st.booleans(),
    referral_valid_days=st.none() | st.integers(1, 400),
)


@settings(max_examples=100, deadline=None)
@given(facts_strategy, rules_strategy)
def test_evaluation_never_raises_and_is_eligible_exactly_when_every_rule_passes(
    case: Facts, ruleset: RuleSet,
) -> None:
    evaluation = evaluate(case, ruleset)
    assert evaluation.eligible == all(o.passed for o in evaluation.outcomes)
    assert evaluation.covers <= case.request.kinds
    if evaluation.eligible:
        assert evaluation.covers == case.request.kinds
    for outcome in evaluation.outcomes:
        assert outcome.kinds <= case.request.kinds
        assert outcome.render(french)


@settings(max_examples=60, deadline=None)
@given(facts_strategy)
def test_a_kind_is_covered_exactly_when_every_outcome_about_it_passed(case: Facts) -> None:
    evaluation = evaluate(case, RULES)
    for kind in case.request.kinds:
        about = [o for o in evaluation.outcomes if not o.kinds or kind in o.kinds]
        assert (kind in evaluation.covers) == all(o.passed for o in about)


@settings(max_examples=40, deadline=None)
@given(facts_strategy)
def test_a_check_out_fails_only_if_the_full_evaluation_fails(case: Facts) -> None:
    if not check_loan(case, RULES).eligible:
        assert not evaluate(case, RULES).eligible


@settings(max_examples=40, deadline=None)
@given(facts_strategy, st.integers(min_value=1, max_value=400))
def test_waiting_longer_never_turns_a_passed_cooldown_into_a_failure(case: Facts,
                                                                     more: int) -> None:
    later = Facts(case.applicant, case.referral, case.history, case.request,
                  case.today + timedelta(days=more))
    for kind in case.request.kinds:
        if el.cooldown_over(case, RULES, kind).passed:
            assert el.cooldown_over(later, RULES, kind).passed


def test_not_eligible_reads_in_english_without_a_catalogue() -> None:
    error = NotEligible(evaluate(facts(unresolved_losses=2), RULES))
    assert str(error) == "Not eligible: 2 lost or stolen item(s) not yet resolved."
