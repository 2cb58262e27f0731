"""Eligibility: the facts about a request, one small pure function per rule, and the engine.

The engine returns every rule's outcome, not just the first failure, so the social worker
sees everything to fix at once. Rules read a ``RuleSet`` (see ``inventory.domain.rulesets``);
nothing here reads a clock, a file or a database: ``today`` comes with the facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from inventory.domain.errors import DomainError, Gettext, N_
from inventory.domain.lifecycle import KIND_FAMILY, Family, Kind
from inventory.domain.loan_policy import Reason, add_months

if TYPE_CHECKING:
    from inventory.domain.rulesets import RuleSet


class Situation(StrEnum):
    """The social situation recorded for a beneficiary; a rule set targets some of them."""

    MINIMA_SOCIAUX = "minima_sociaux"
    DEMANDEUR_EMPLOI = "demandeur_emploi"
    SANS_DOMICILE = "sans_domicile"
    JEUNE_16_25 = "jeune_16_25"
    RETRAITE_FAIBLES_REVENUS = "retraite_faibles_revenus"
    AUTRE = "autre"

    @property
    def label(self) -> str:
        return SITUATION_LABELS[self]


SITUATION_LABELS: dict[str, str] = {
    Situation.MINIMA_SOCIAUX: N_("receiving minimum social benefits"),
    Situation.DEMANDEUR_EMPLOI: N_("job seeker"),
    Situation.SANS_DOMICILE: N_("homeless"),
    Situation.JEUNE_16_25: N_("young person aged 16 to 25"),
    Situation.RETRAITE_FAIBLES_REVENUS: N_("retired on a low income"),
    Situation.AUTRE: N_("other situation"),
}


@dataclass(frozen=True, slots=True)
class Applicant:
    """The person, as little as the rules need: a birth year, not a birth date."""

    birth_year: int
    commune: str
    situation: Situation
    in_priority_area: bool = False
    has_guardian: bool = False


@dataclass(frozen=True, slots=True)
class ReferralFacts:
    """The referral: ``referred_on`` is None when no partner referred the person."""

    partner_active: bool
    referred_on: date | None


@dataclass(frozen=True)
class LoanHistory:
    """Loans so far. Household counts include the person's own loans."""

    person_active: Mapping[Family, int] = field(default_factory=dict)
    household_active: Mapping[Family, int] = field(default_factory=dict)
    unresolved_losses: int = 0
    last_loan_on: Mapping[Kind, date] = field(default_factory=dict)  # start of the last loan
    first_loan_on: date | None = None
    card_spent_this_month_eur: Decimal = Decimal(0)  # cards issued in today's calendar month

    def __post_init__(self) -> None:
        for name in ("person_active", "household_active", "last_loan_on"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))


@dataclass(frozen=True)
class Request:
    """What is asked for; ``serves_active_enrollment`` says the loan serves an active path."""

    kinds: frozenset[Kind]
    card_amount_eur: Decimal = Decimal(0)
    serves_active_enrollment: bool = False
    # How many items of each kind a check-out lends (two tablets…). Without quantities, the
    # request is a decision's: one item of each family, of any of the kinds named.
    quantities: Mapping[Kind, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", frozenset(Kind(k) for k in self.kinds))
        object.__setattr__(self, "quantities", MappingProxyType(
            {Kind(k): n for k, n in self.quantities.items() if Kind(k) in self.kinds}))

    def of(self, family: Family) -> frozenset[Kind]:
        """The requested kinds of one family."""
        return frozenset(k for k in self.kinds if KIND_FAMILY[k] == family)

    def count(self, family: Family) -> int:
        """How many items of one family are requested."""
        kinds = self.of(family)
        if not self.quantities:
            return 1 if kinds else 0
        return sum(self.quantities.get(k, 0) for k in kinds)


@dataclass(frozen=True)
class Facts:
    """Everything the rules look at, on a given day."""

    applicant: Applicant
    referral: ReferralFacts
    history: LoanHistory
    request: Request
    today: date


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """One rule's answer; ``kinds`` are the requested kinds it concerns (empty: all)."""

    rule_id: str
    passed: bool
    reason: Reason
    kinds: frozenset[Kind] = frozenset()

    def concerns(self, kind: Kind) -> bool:
        return not self.kinds or kind in self.kinds

    def render(self, gettext: Gettext) -> str:
        return self.reason.render(gettext)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Every rule's outcome; eligible when all passed."""

    eligible: bool
    outcomes: tuple[RuleOutcome, ...]
    # The requested kinds whose own outcomes (and the general ones) all passed: the whole
    # request when eligible; on a refusal it still says what would be possible.
    covers: frozenset[Kind]
    ruleset_version: str

    @property
    def failures(self) -> tuple[RuleOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)

    def reasons(self, gettext: Gettext) -> list[str]:
        """The failed rules in the user's language, in rule order."""
        return [o.render(gettext) for o in self.failures]


class NotEligible(DomainError):
    """The rules refuse the request; ``evaluation`` holds every failed rule."""

    message = N_("Not eligible: {reasons}")

    def __init__(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation
        reasons = "; ".join(evaluation.reasons(lambda message: message))
        super().__init__(self.message, reasons=reasons)

    def render(self, gettext: Gettext) -> str:
        return gettext(self.message).format(reasons="; ".join(self.evaluation.reasons(gettext)))


def _outcome(rule_id: str, passed: bool, message: str, kinds: frozenset[Kind] = frozenset(),
             **params: Any) -> RuleOutcome:
    return RuleOutcome(rule_id, passed, Reason(message, params), kinds)


# --- rules about the person (settled by the eligibility decision) ---------------------------

def something_requested(facts: Facts, rules: RuleSet) -> RuleOutcome:
    """A decision covers at least one kind of device or card."""
    if facts.request.kinds:
        return _outcome("request", True, N_("Request for {count} kind(s) of equipment."),
                        count=len(facts.request.kinds))
    return _outcome("request", False, N_("Nothing was requested."))


def referred_by_active_partner(facts: Facts, rules: RuleSet) -> RuleOutcome:
    """An active partner organisation referred the person, recently enough if so configured."""
    referral, today = facts.referral, facts.today
    on = referral.referred_on
    if on is None:
        return _outcome("referral", False, N_("No partner organisation referred this person."))
    if not referral.partner_active:
        return _outcome("referral", False,
                        N_("The partner organisation that referred this person is not active."))
    if on > today:
        return _outcome("referral", False, N_("The referral is dated in the future ({date})."),
                        date=on)
    days = rules.referral_valid_days
    if days is not None and (today - on).days > days:
        return _outcome("referral", False,
                        N_("The referral of {date} is older than {days} days."), date=on, days=days)
    return _outcome("referral", True, N_("Referred by an active partner organisation on {date}."),
                    date=on)


def in_target_public(facts: Facts, rules: RuleSet) -> RuleOutcome:
    """The person's situation is one the programme targets."""
    situation = Situation(facts.applicant.situation)
    if situation in rules.target_publics:
        return _outcome("target_public", True, N_("Target public: {situation}."),
                        situation=situation)
    return _outcome("target_public", False,
                    N_("The programme does not target this situation: {situation}."),
                    situation=situation)


def resident_of_served_area(facts: Facts, rules: RuleSet) -> RuleOutcome:
    """The person lives in a served commune (and in a priority area, if so configured)."""
    applicant = facts.applicant
    if not rules.serves(applicant.commune):
        return _outcome("residence", False, N_("{commune} is not a commune served here."),
                        commune=applicant.commune)
    if rules.priority_area_required and not applicant.in_priority_area:
        return _outcome("residence", False,
                        N_("The address in {commune} is not in a priority area (QPV)."),
                        commune=applicant.commune)
    return _outcome("residence", True, N_("Lives in {commune}, a served commune."),
                    commune=applicant.commune)


def old_enough(facts: Facts, rules: RuleSet) -> RuleOutcome:
    """Age at least the minimum, or a guardian answers for the person."""
    # Only the birth year is recorded, so the age is the one reached during the current year
    # (today.year - birth_year): someone born in 2008 counts as 18 from 1 January 2026.
    age = facts.today.year - facts.applicant.birth_year
    minimum = rules.minimum_age
    if age >= minimum:
        return _outcome("age", True, N_("Turns {age} this year (minimum {minimum})."),
                        age=age, minimum=minimum)
    if facts.applicant.has_guardian:
        return _outcome("age", True, N_("Under {minimum}, with a guardian."), minimum=minimum)
    return _outcome("age", False, N_("Turns {age} this year: the minimum is {minimum}, "
                                     "unless a guardian answers for the person."),
                    age=age, minimum=minimum)


# --- rules about loans (checked again at every check-out) ----------------------------------

def no_unresolved_loss(facts: Facts, rules: RuleSet) -> RuleOutcome:
    """No lost or stolen item is waiting to be resolved."""
    count = facts.history.unresolved_losses
    if count > 0:
        return _outcome("unresolved_loss", False,
                        N_("{count} lost or stolen item(s) not yet resolved."), count=count)
    return _outcome("unresolved_loss", True, N_("No unresolved loss."))


def programme_not_over(facts: Facts, rules: RuleSet) -> RuleOutcome:
    """Less than ``programme_max_months`` since the first loan."""
    # On the same day that many months later the programme is over: 12 months means 12
    # months, not 12 months and a day.
    first = facts.history.first_loan_on
    months = rules.programme_max_months
    if first is None:
        return _outcome("programme_duration", True,
                        N_("No loan yet: the programme starts with the first one."))
    ends = add_months(first, months)
    if facts.today < ends:
        return _outcome("programme_duration", True,
                        N_("In the programme since {first}; it ends on {ends}."),
                        first=first, ends=ends)
    return _outcome("programme_duration", False,
                    N_("The {months}-month programme that began on {first} ended on {ends}."),
                    months=months, first=first, ends=ends)


def _within_limit(scope: str, facts: Facts, rules: RuleSet, family: Family) -> RuleOutcome:
    kinds, requested = facts.request.of(family), facts.request.count(family)
    counts = facts.history.person_active if scope == "person" else facts.history.household_active
    active, limit = counts.get(family, 0), rules.limit(scope, family)
    rule_id, after = f"{scope}_limit", active + requested
    person = scope == "person"
    if after <= limit:
        message = (N_("On loan to the person ({family}) with this request: {after}, limit {limit}.")
                   if person else
                   N_("On loan to the household ({family}) with this request: {after}, "
                      "limit {limit}."))
        return _outcome(rule_id, True, message, kinds, after=after, limit=limit, family=family)
    message = (N_("On loan to the person ({family}): {active}, plus {requested} requested, over "
                  "the limit of {limit}.") if person else
               N_("On loan to the household ({family}): {active}, plus {requested} requested, "
                  "over the limit of {limit}."))
    return _outcome(rule_id, False, message, kinds, active=active, requested=requested,
                    limit=limit, family=family)


def within_person_limit(facts: Facts, rules: RuleSet, family: Family) -> RuleOutcome:
    """Active loans plus requested items of the family stay within the per-person limit."""
    return _within_limit("person", facts, rules, family)


def within_household_limit(facts: Facts, rules: RuleSet, family: Family) -> RuleOutcome:
    """Active loans plus requested items of the family stay within the per-household limit."""
    return _within_limit("household", facts, rules, family)


def cooldown_over(facts: Facts, rules: RuleSet, kind: Kind) -> RuleOutcome:
    """At least ``cooldown_days[kind]`` days since the last loan of that kind started."""
    # Counted from the last loan's start date: possible again on day N, not on day N-1.
    days = rules.cooldown_days.get(kind, 0)
    last = facts.history.last_loan_on.get(kind)
    kinds = frozenset({kind})
    if days == 0:
        return _outcome("cooldown", True,
                        N_("Kind “{kind}”: no waiting period between two loans."), kinds, kind=kind)
    if last is None:
        return _outcome("cooldown", True, N_("Kind “{kind}”: never lent to this person before."),
                        kinds, kind=kind)
    possible_on = last + timedelta(days=days)
    if facts.today >= possible_on:
        return _outcome("cooldown", True,
                        N_("Kind “{kind}”: last loan on {last}, the waiting period is over."),
                        kinds, kind=kind, last=last)
    return _outcome("cooldown", False,
                    N_("Kind “{kind}”: last loan on {last}; next one possible from {possible_on}."),
                    kinds, kind=kind, last=last, possible_on=possible_on)


def within_card_budget(facts: Facts, rules: RuleSet) -> RuleOutcome:
    """Cards issued this calendar month plus the requested amount stay within the budget."""
    spent, amount = facts.history.card_spent_this_month_eur, facts.request.card_amount_eur
    budget, kinds = rules.card_budget_per_month_eur, facts.request.of(Family.CARD)
    if spent + amount <= budget:
        return _outcome("card_budget", True,
                        N_("{total} € of cards this month, within the {budget} € budget."),
                        kinds, total=spent + amount, budget=budget)
    return _outcome("card_budget", False,
                    N_("{spent} € of cards already this month: {amount} € more would exceed "
                       "the {budget} € budget."), kinds, spent=spent, amount=amount, budget=budget)


def enrolled_for_devices(facts: Facts, rules: RuleSet) -> RuleOutcome:
    """A device loan serves an active learning-path enrollment."""
    kinds = facts.request.of(Family.DEVICE)
    if facts.request.serves_active_enrollment:
        return _outcome("enrollment", True, N_("The loan serves an active learning path."), kinds)
    return _outcome("enrollment", False,
                    N_("A device is lent only for an active learning path: enroll the person "
                       "first."), kinds)


Rule = Callable[[Facts, "RuleSet"], RuleOutcome]
PERSON_RULES: tuple[Rule, ...] = (
    something_requested, referred_by_active_partner, in_target_public,
    resident_of_served_area, old_enough,
)
LOAN_RULES: tuple[Rule, ...] = (no_unresolved_loss, programme_not_over)


def _loan_outcomes(facts: Facts, rules: RuleSet) -> Iterator[RuleOutcome]:
    """Loan rules, each applied to what the request contains."""
    for rule in LOAN_RULES:
        yield rule(facts, rules)
    request = facts.request
    for family in Family:
        if request.of(family):
            yield within_person_limit(facts, rules, family)
            yield within_household_limit(facts, rules, family)
    for kind in sorted(request.kinds):
        yield cooldown_over(facts, rules, kind)
    if request.of(Family.CARD):
        yield within_card_budget(facts, rules)
    if request.of(Family.DEVICE) and rules.enrollment_required_for_devices:
        yield enrolled_for_devices(facts, rules)


def _conclude(outcomes: tuple[RuleOutcome, ...], facts: Facts, rules: RuleSet) -> Evaluation:
    eligible = all(o.passed for o in outcomes)
    covers = frozenset(
        k for k in facts.request.kinds
        if all(o.passed for o in outcomes if o.concerns(k))
    )
    return Evaluation(eligible, outcomes, covers, rules.version)


def evaluate(facts: Facts, rules: RuleSet) -> Evaluation:
    """Apply every rule of the rule set to the facts; never stops at the first failure."""
    outcomes = tuple(rule(facts, rules) for rule in PERSON_RULES)
    return _conclude(outcomes + tuple(_loan_outcomes(facts, rules)), facts, rules)


def check_loan(facts: Facts, rules: RuleSet) -> Evaluation:
    """The loan rules only, for a check-out under a valid decision (which settled the rest)."""
    return _conclude(tuple(_loan_outcomes(facts, rules)), facts, rules)


def valid_until(decided_on: date, rules: RuleSet) -> date:
    """The last day a decision taken on ``decided_on`` is valid (the eve of its anniversary)."""
    return add_months(decided_on, rules.decision_valid_months) - timedelta(days=1)
