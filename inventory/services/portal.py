"""The social-worker portal's reads: a page of people with where each one stands, and a
referral registered together with its person, all or nothing."""

from __future__ import annotations

from typing import Any

from inventory.db.tables import EligibilityDecision, LoanLine, Referral
from inventory.domain.decisions import DecisionSummary, decision_status
from inventory.domain.lifecycle import Kind
from inventory.services.beneficiaries import Search, create_beneficiary, search_beneficiaries
from inventory.services.common import Actor, from_json, today, unit_of_work
from inventory.services.referrals import create_referral


async def _latest_referrals(ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = await Referral.select(Referral.id, Referral.beneficiary, Referral.status,
                                 Referral.referred_on).where(
        Referral.beneficiary.is_in(ids)).order_by(Referral.id)
    return {r["beneficiary"]: r for r in rows}  # the last one per person wins


async def _latest_decisions(ids: list[int]) -> dict[int, dict[str, Any]]:
    day = today()
    rows = await EligibilityDecision.select(
        EligibilityDecision.id, EligibilityDecision.beneficiary, EligibilityDecision.eligible,
        EligibilityDecision.covers, EligibilityDecision.decided_on,
        EligibilityDecision.valid_until, EligibilityDecision.revoked_at,
    ).where(EligibilityDecision.beneficiary.is_in(ids)).order_by(EligibilityDecision.id)
    latest: dict[int, dict[str, Any]] = {}
    for r in rows:
        r["status"] = decision_status(DecisionSummary(
            id=r["id"], eligible=r["eligible"],
            covers=frozenset(Kind(k) for k in from_json(r["covers"], [])),
            decided_on=r["decided_on"], valid_until=r["valid_until"],
            revoked=r["revoked_at"] is not None), day)
        latest[r["beneficiary"]] = r
    return latest


async def _open_lines(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    rows = await LoanLine.select(
        LoanLine.beneficiary, LoanLine.kind, LoanLine.due_on,
        LoanLine.loan.reference.as_alias("reference"), LoanLine.item.tag.as_alias("tag"),
    ).where(LoanLine.beneficiary.is_in(ids) & LoanLine.closed_at.is_null()).order_by(
        LoanLine.due_on).order_by(LoanLine.id)
    lines: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        r["overdue"] = r["due_on"] is not None and r["due_on"] < today()
        lines.setdefault(r["beneficiary"], []).append(r)
    return lines


async def people_overview(actor: Actor, search: Search) -> tuple[list[dict[str, Any]], int]:
    """A page of the people the actor may see, each with their latest referral and decision
    and their open loans (the reading is logged by the search, in the same transaction)."""
    async with unit_of_work():
        rows, total = await search_beneficiaries(actor, search)
        ids = [r["id"] for r in rows] or [0]
        referrals = await _latest_referrals(ids)
        decisions = await _latest_decisions(ids)
        lines = await _open_lines(ids)
    for row in rows:
        row["referral"] = referrals.get(row["id"])
        row["decision"] = decisions.get(row["id"])
        row["open_lines"] = lines.get(row["id"], [])
    return rows, total


async def refer_person(actor: Actor, person: dict[str, Any],
                       referral: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Register a person and their referral in one transaction: both or neither."""
    async with unit_of_work():
        created = await create_beneficiary(actor, **person)
        made = await create_referral(actor, created["number"], **referral)
    return created, made
