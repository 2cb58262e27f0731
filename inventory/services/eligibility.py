"""Eligibility: the rule set in force, and decisions previewed, recorded and revoked.

The rule set in force is the latest saved version, or the one shipped with the service until
an admin saves one. A broken text is refused with every problem listed; the previous version
stays in force. Each decision records the version it was taken under.
"""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from decimal import Decimal
from typing import Any

from inventory.db import sql
from inventory.db.tables import Beneficiary, EligibilityDecision, Referral, RuleSetVersion
from inventory.domain.decisions import DecisionSummary
from inventory.domain.eligibility import (
    Applicant, Evaluation, Facts, LoanHistory, ReferralFacts, Request, Situation, evaluate,
    valid_until,
)
from inventory.domain.errors import Conflict, InvalidInput, N_, NotFound
from inventory.domain.lifecycle import Family, Kind
from inventory.domain.loans import LineOutcome
from inventory.domain.people import ProofType, ReferralStatus, check_requested_kinds
from inventory.domain.rulesets import RuleSet, default_text, parse
from inventory.i18n import gettext_for
from inventory.services.beneficiaries import find_visible, log_access, scope_condition
from inventory.services.common import Actor, engine, from_json, today, unit_of_work, utcnow

COLUMNS = (
    EligibilityDecision.id, EligibilityDecision.beneficiary, EligibilityDecision.partner_org,
    EligibilityDecision.decided_by, EligibilityDecision.decided_on, EligibilityDecision.answers,
    EligibilityDecision.proofs, EligibilityDecision.ruleset_version,
    EligibilityDecision.eligible, EligibilityDecision.outcomes, EligibilityDecision.reasons,
    EligibilityDecision.covers, EligibilityDecision.valid_until, EligibilityDecision.revoked_at,
    EligibilityDecision.revoked_by, EligibilityDecision.revoke_reason,
    EligibilityDecision.created_at,
    EligibilityDecision.beneficiary.number.as_alias("beneficiary_number"),
    EligibilityDecision.decided_by.display_name.as_alias("decided_by_name"),
)
FRENCH = gettext_for("fr")


# --- the rule set -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RuleSetInForce:
    rules: RuleSet
    text: str
    saved_at: Any = None  # None: the shipped default


@lru_cache(maxsize=1)
def _shipped() -> str:
    return default_text()


@lru_cache(maxsize=16)
def _parsed(text: str) -> RuleSet:
    """Rule sets are immutable: each text is parsed once per process."""
    return parse(text)


async def ruleset_in_force() -> RuleSetInForce:
    """The latest saved rule set, or the shipped default (call inside a unit of work)."""
    if engine().current_transaction.get() is None:
        async with unit_of_work():
            return await ruleset_in_force()
    row = await sql.fetchrow(engine(), "SELECT text, saved_at FROM rule_set_version "
                                       "ORDER BY id DESC LIMIT 1")
    if row is None:
        text = _shipped()
        return RuleSetInForce(_parsed(text), text)
    return RuleSetInForce(_parsed(row["text"]), row["text"], row["saved_at"])


async def save_ruleset(actor: Actor, text: str) -> RuleSetInForce:
    """Put a new version in force; InvalidRuleSet (every problem) leaves the old one."""
    rules = parse(text)  # raises before anything is written
    async with unit_of_work():
        in_force = await ruleset_in_force()
        if rules.version == in_force.rules.version or await RuleSetVersion.exists().where(
                RuleSetVersion.version == rules.version):
            raise Conflict(N_("A rule set with this version already exists: change “version” "
                              "in the text."))
        row = RuleSetVersion(version=rules.version, text=text, saved_by=actor.user_id,
                             saved_at=utcnow())
        await row.save()
    return RuleSetInForce(rules, text, row.saved_at)


async def ruleset_versions(*, page: int = 1,
                           per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of the saved versions, newest first, and how many there are."""
    rows = await RuleSetVersion.select(
        RuleSetVersion.id, RuleSetVersion.version, RuleSetVersion.saved_at,
        RuleSetVersion.saved_by.username.as_alias("saved_by"),
    ).order_by(RuleSetVersion.id, ascending=False).limit(per_page).offset(
        (page - 1) * per_page)
    return rows, await RuleSetVersion.count()


# --- decisions --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Proof:
    type: str
    seen_on: date


@dataclass(frozen=True)
class DecisionRequest:
    requested_kinds: tuple[str, ...]
    proofs: tuple[Proof, ...] = ()
    card_amount_eur: Decimal = Decimal(0)
    serves_active_enrollment: bool = False


def _check_proofs(proofs: tuple[Proof, ...], day: date) -> list[dict[str, str]]:
    checked = []
    for proof in proofs:
        try:
            kind = ProofType(proof.type)
        except ValueError:
            raise InvalidInput(N_("Unknown proof type “{value}”; known: {known}."),
                               value=proof.type[:40],
                               known=", ".join(p.value for p in ProofType)) from None
        if proof.seen_on > day:
            raise InvalidInput(N_("A proof cannot have been seen in the future."))
        checked.append({"type": kind.value, "seen_on": proof.seen_on.isoformat()})
    return checked


async def _referral_facts(beneficiary_id: int) -> ReferralFacts:
    """The latest referral that was not declined, and whether its organisation is active."""
    row = await Referral.select(Referral.referred_on,
                                Referral.partner_org.active.as_alias("org_active")).where(
        (Referral.beneficiary == beneficiary_id)
        & (Referral.status != ReferralStatus.DECLINED)
    ).order_by(Referral.referred_on, ascending=False).order_by(
        Referral.id, ascending=False).first()
    if row is None:
        return ReferralFacts(partner_active=False, referred_on=None)
    return ReferralFacts(partner_active=bool(row["org_active"]), referred_on=row["referred_on"])


_HISTORY = (
    "SELECT l.beneficiary, l.family, l.kind, l.closed_at, l.outcome, l.loss_resolved_at, "
    "l.price_cents, ln.started_on FROM loan_line l JOIN loan ln ON ln.id = l.loan "
    "JOIN beneficiary b ON b.id = l.beneficiary WHERE b.household_ref = $1")


async def loan_history(person: dict[str, Any], day: date) -> LoanHistory:
    """The person's and household's loans, as the eligibility rules read them."""
    rows = await sql.fetch(engine(), _HISTORY, person["household_ref"])
    own = [r for r in rows if r["beneficiary"] == person["id"]]
    person_active = Tally(Family(r["family"]) for r in own if r["closed_at"] is None)
    household_active = Tally(Family(r["family"]) for r in rows if r["closed_at"] is None)
    losses = sum(1 for r in own if r["outcome"] in (LineOutcome.LOST, LineOutcome.STOLEN)
                 and r["loss_resolved_at"] is None)
    last: dict[Kind, date] = {}
    for r in own:
        kind = Kind(r["kind"])
        last[kind] = max(last.get(kind, r["started_on"]), r["started_on"])
    spent = sum((r["price_cents"] or 0) for r in own if r["family"] == Family.CARD
                and (r["started_on"].year, r["started_on"].month) == (day.year, day.month))
    return LoanHistory(
        person_active=person_active, household_active=household_active,
        unresolved_losses=losses, last_loan_on=last,
        first_loan_on=min((r["started_on"] for r in own), default=None),
        card_spent_this_month_eur=Decimal(spent) / 100,
    )


async def _facts(person: dict[str, Any], request: DecisionRequest, day: date) -> Facts:
    kinds = check_requested_kinds(list(request.requested_kinds))
    amount = request.card_amount_eur
    if not amount.is_finite() or not Decimal(0) <= amount <= Decimal(1000):
        raise InvalidInput(N_("The card amount must be between 0 and 1,000 €."))
    applicant = Applicant(
        birth_year=person["birth_year"], commune=person["commune"],
        situation=Situation(person["situation"]),
        in_priority_area=person["in_priority_area"], has_guardian=person["has_guardian"],
    )
    return Facts(
        applicant=applicant, referral=await _referral_facts(person["id"]),
        history=await loan_history(person, day),
        request=Request(kinds=frozenset(Kind(k) for k in kinds),
                        card_amount_eur=request.card_amount_eur,
                        serves_active_enrollment=request.serves_active_enrollment),
        today=day,
    )


async def preview(actor: Actor, number: str, request: DecisionRequest) -> Evaluation:
    """What the rules would say today, without recording anything (the reading is logged)."""
    async with unit_of_work():
        person = await find_visible(actor, number)
        in_force = await ruleset_in_force()
        facts = await _facts(person, request, today())
        await log_access(actor, "decision.preview", [person["id"]])
    return evaluate(facts, in_force.rules)


def _outcomes(evaluation: Evaluation) -> list[dict[str, Any]]:
    english = gettext_for("en")
    return [{"rule": o.rule_id, "passed": o.passed, "text_fr": o.render(FRENCH),
             "text_en": o.render(english), "kinds": sorted(o.kinds)}
            for o in evaluation.outcomes]


async def decide(actor: Actor, number: str, request: DecisionRequest) -> dict[str, Any]:
    """Evaluate and record a decision, with the answers, proofs seen and every rule's outcome."""
    day = today()
    proofs = _check_proofs(request.proofs, day)
    async with unit_of_work():
        person = await find_visible(actor, number)
        in_force = await ruleset_in_force()
        facts = await _facts(person, request, day)
        evaluation = evaluate(facts, in_force.rules)
        answers = {
            "birth_year": person["birth_year"], "commune": person["commune"],
            "situation": person["situation"], "in_priority_area": person["in_priority_area"],
            "has_guardian": person["has_guardian"],
            "requested_kinds": sorted(facts.request.kinds),
            "card_amount_eur": str(request.card_amount_eur),
            "serves_active_enrollment": request.serves_active_enrollment,
        }
        row = EligibilityDecision(
            beneficiary=person["id"], partner_org=person["partner_org"],
            decided_by=actor.user_id, decided_on=day, answers=answers, proofs=proofs,
            ruleset_version=evaluation.ruleset_version, eligible=evaluation.eligible,
            outcomes=_outcomes(evaluation), reasons=evaluation.reasons(FRENCH),
            covers=sorted(evaluation.covers), valid_until=valid_until(day, in_force.rules),
            created_at=utcnow(),
        )
        await row.save()
        await log_access(actor, "decision.create", [person["id"]])
        return await _get(actor, row.id)


def _query(actor: Actor):
    query = EligibilityDecision.select(*COLUMNS)
    condition = scope_condition(actor)
    if condition is not None:
        query = query.where(EligibilityDecision.beneficiary.is_in(
            Beneficiary.select(Beneficiary.id).where(condition)))
    return query


async def _get(actor: Actor, decision_id: int) -> dict[str, Any]:
    row = await _query(actor).where(EligibilityDecision.id == decision_id).first()
    if row is None:
        raise NotFound(N_("No eligibility decision with number {id}."), id=decision_id)
    return row


async def get_decision(actor: Actor, decision_id: int) -> dict[str, Any]:
    """One decision in scope; the reading is logged."""
    async with unit_of_work():
        row = await _get(actor, decision_id)
        await log_access(actor, "decision.read", [row["beneficiary"]])
    return row


async def list_decisions(actor: Actor, number: str) -> list[dict[str, Any]]:
    """A person's decisions, newest first."""
    async with unit_of_work():
        person = await find_visible(actor, number)
        rows = await _query(actor).where(
            EligibilityDecision.beneficiary == person["id"]).order_by(
            EligibilityDecision.id, ascending=False)
        await log_access(actor, "decision.list", [person["id"]])
    return rows


async def revoke_decision(actor: Actor, decision_id: int, reason: str) -> dict[str, Any]:
    """Withdraw a decision (wrong information, situation changed…); the reason is kept."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(N_("Say why the decision is revoked."))
    async with unit_of_work():
        current = await _get(actor, decision_id)
        updated = await EligibilityDecision.update({
            EligibilityDecision.revoked_at: utcnow(),
            EligibilityDecision.revoked_by: actor.user_id,
            EligibilityDecision.revoke_reason: reason[:300],
        }).where((EligibilityDecision.id == decision_id)
                 & EligibilityDecision.revoked_at.is_null()).returning(EligibilityDecision.id)
        if not updated:
            raise Conflict(N_("This decision was already revoked."))
        await log_access(actor, "decision.revoke", [current["beneficiary"]])
        return await _get(actor, decision_id)


async def decision_summaries(beneficiary_id: int) -> list[DecisionSummary]:
    """What a check-out needs of a person's decisions (the caller checked the scope)."""
    rows = await EligibilityDecision.select(
        EligibilityDecision.id, EligibilityDecision.eligible, EligibilityDecision.covers,
        EligibilityDecision.decided_on, EligibilityDecision.valid_until,
        EligibilityDecision.revoked_at,
    ).where(EligibilityDecision.beneficiary == beneficiary_id)
    return [DecisionSummary(
        id=r["id"], eligible=r["eligible"], covers=frozenset(Kind(k) for k in from_json(r["covers"], [])),
        decided_on=r["decided_on"], valid_until=r["valid_until"],
        revoked=r["revoked_at"] is not None) for r in rows]


