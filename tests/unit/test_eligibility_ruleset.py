"""The rule-set file: the shipped default, and every problem of a broken one reported."""

from __future__ import annotations

import copy
import tomllib
from decimal import Decimal
from typing import Any

import pytest

from inventory.domain.eligibility import Situation
from inventory.domain.eligibility_fr import FRENCH
from inventory.domain.errors import InvalidInput
from inventory.domain.lifecycle import Family, Kind
from inventory.domain.rulesets import (
    InvalidRuleSet,
    RuleSet,
    default_text,
    from_dict,
    load_default,
    normalise_commune,
    parse,
)
from tests.unit.test_eligibility import RULES_TEXT

GOOD: dict[str, Any] = tomllib.loads(RULES_TEXT)


def broken(path: str, value: Any) -> dict[str, Any]:
    """The good rule set with one setting replaced (or removed when value is ...)."""
    data = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    table = data
    for key in parents:
        table = table[key]
    if value is ...:
        del table[last]
    else:
        table[last] = value
    return data


def problems_of(data: Any) -> list[tuple[str, dict[str, Any]]]:
    with pytest.raises(InvalidRuleSet) as caught:
        from_dict(data)
    return [(p.message, dict(p.params)) for p in caught.value.problems]


def test_the_shipped_default_rule_set_is_valid() -> None:
    default = load_default()
    assert default.version
    assert default.minimum_age == 18
    assert 6 <= default.programme_max_months <= 18
    assert Situation.AUTRE not in default.target_publics
    assert default.loan_policy.terms[Kind.LAPTOP].default_months == 3
    assert default.loan_policy.terms[Kind.HOTSPOT].default_months == 1
    assert Kind.SIM not in default.loan_policy.terms
    assert default_text().startswith("#")


def test_a_rule_set_is_read_from_toml_text() -> None:
    rules = RuleSet.parse(RULES_TEXT)
    assert rules == RuleSet.from_dict(GOOD) == parse(RULES_TEXT)
    assert rules.version == "test-1"
    assert rules.person_limits == {Family.DEVICE: 1, Family.CARD: 2}
    assert rules.household_limits == {Family.DEVICE: 2, Family.CARD: 3}
    assert rules.cooldown_days == {Kind.LAPTOP: 365, Kind.HOTSPOT: 30}
    assert rules.card_budget_per_month_eur == Decimal(20)
    assert rules.referral_valid_days is None
    assert rules.priority_area_required is False


def test_a_budget_with_cents_is_read_exactly() -> None:
    rules = from_dict(broken("card_budget_per_month_eur", 12.3))
    assert rules.card_budget_per_month_eur == Decimal("12.30")


def test_the_optional_settings_are_read_when_present() -> None:
    data = dict(GOOD, referral_valid_days=90, priority_area_required=True)
    rules = from_dict(data)
    assert (rules.referral_valid_days, rules.priority_area_required) == (90, True)


def test_communes_compare_without_case_accents_or_hyphens() -> None:
    assert normalise_commune("  Saint-Ouen-sur-Seine ") == normalise_commune("saint ouen sur seine")
    assert normalise_commune("L’Île-Saint-Denis") == "l ile saint denis"


@pytest.mark.parametrize(("path", "value", "message", "key"), [
    ("version", ..., "Missing setting “{key}”.", "version"),
    ("version", "  ", "“{key}” must be a non-empty text.", "version"),
    ("version", 3, "“{key}” must be a non-empty text.", "version"),
    ("colour", "blue", "Unknown setting “{key}”.", "colour"),
    ("served_communes", [], "“{key}” must be a non-empty list of texts.", "served_communes"),
    ("served_communes", "Pantin", "“{key}” must be a non-empty list of texts.",
     "served_communes"),
    ("target_publics", ["retraites"],
     "“{value}” is not a known value for “{key}”; known values: {known}.", "target_publics"),
    ("minimum_age", -1, "“{key}” must be at least {minimum}, not {value}.", "minimum_age"),
    ("minimum_age", "18", "“{key}” must be a whole number, not “{value}”.", "minimum_age"),
    ("minimum_age", 18.0, "“{key}” must be a whole number, not “{value}”.", "minimum_age"),
    ("minimum_age", True, "“{key}” must be a whole number, not “{value}”.", "minimum_age"),
    ("programme_max_months", 5, "“{key}” must be at least {minimum}, not {value}.",
     "programme_max_months"),
    ("programme_max_months", 19, "“{key}” must be at most {maximum}, not {value}.",
     "programme_max_months"),
    ("card_budget_per_month_eur", -5,
     "“{key}” must be an amount in euros, zero or more, not “{value}”.",
     "card_budget_per_month_eur"),
    ("card_budget_per_month_eur", "20 €",
     "“{key}” must be an amount in euros, zero or more, not “{value}”.",
     "card_budget_per_month_eur"),
    ("card_budget_per_month_eur", float("nan"),
     "“{key}” must be an amount in euros, zero or more, not “{value}”.",
     "card_budget_per_month_eur"),
    ("decision_valid_months", 0, "“{key}” must be at least {minimum}, not {value}.",
     "decision_valid_months"),
    ("enrollment_required_for_devices", "yes", "“{key}” must be true or false, not “{value}”.",
     "enrollment_required_for_devices"),
    ("referral_valid_days", 0, "“{key}” must be at least {minimum}, not {value}.",
     "referral_valid_days"),
    ("max_active_loans", ..., "Missing setting “{key}”.", "max_active_loans"),
    ("max_active_loans", 3, "“{key}” must be a section of settings.", "max_active_loans"),
    ("max_active_loans.person.device", -1, "“{key}” must be at least {minimum}, not {value}.",
     "max_active_loans.person.device"),
    ("max_active_loans.person.card", ..., "Missing setting “{key}”.",
     "max_active_loans.person.card"),
    ("max_active_loans.family", {}, "Unknown setting “{key}”.", "max_active_loans.family"),
    ("max_active_loans.person.phone", 1, "Unknown setting “{key}”.",
     "max_active_loans.person.phone"),
    ("max_active_loans.household.device", 0,
     "The household limit “{key}” ({household}) is below the limit for one person ({person}).",
     "max_active_loans.household.device"),
    ("cooldown_days.typewriter", 3, "Unknown setting “{key}”.", "cooldown_days.typewriter"),
    ("cooldown_days.laptop", -30, "“{key}” must be at least {minimum}, not {value}.",
     "cooldown_days.laptop"),
])
def test_a_broken_setting_is_reported_by_name(path: str, value: Any, message: str,
                                              key: str) -> None:
    problems = problems_of(broken(path, value))
    assert len(problems) == 1, problems
    assert problems[0][0] == message
    assert problems[0][1]["key"] == key


def test_every_problem_of_a_rule_set_is_reported_at_once() -> None:
    data = broken("version", "")
    data = dict(data, minimum_age=-3, programme_max_months=40, extra=1)
    data["max_active_loans"]["person"]["device"] = "one"
    data["cooldown_days"]["laptop"] = 1.5
    keys = [params["key"] for _, params in problems_of(data)]
    assert sorted(keys) == sorted([
        "version", "minimum_age", "programme_max_months", "extra",
        "max_active_loans.person.device", "cooldown_days.laptop",
    ])


def test_a_rule_set_that_is_not_toml_is_refused_with_the_parsers_words() -> None:
    with pytest.raises(InvalidRuleSet) as caught:
        parse("version = \n")
    (problem,) = caught.value.problems
    assert problem.message == "The rule set is not valid TOML: {error}."
    assert "line 1" in problem.params["error"]


def test_a_rule_set_that_is_not_a_table_is_refused() -> None:
    assert problems_of(["version"])[0][0] == "“{key}” must be a section of settings."


def test_an_empty_rule_set_names_every_missing_setting() -> None:
    keys = {params["key"] for _, params in problems_of({})}
    assert keys == {
        "version", "served_communes", "target_publics", "minimum_age",
        "programme_max_months", "card_budget_per_month_eur", "decision_valid_months",
        "enrollment_required_for_devices", "max_active_loans", "cooldown_days", "loan_policy",
    }


def test_an_invalid_rule_set_is_a_domain_error_that_reads_in_french() -> None:
    with pytest.raises(InvalidRuleSet) as caught:
        from_dict(broken("minimum_age", -1))
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert "minimum_age" in str(error)
    assert error.render(lambda m: FRENCH.get(m, m)) == (
        "Le jeu de règles n’est pas valide : « minimum_age » doit valoir au moins 0, pas -1."
    )
