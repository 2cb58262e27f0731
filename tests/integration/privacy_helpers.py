"""Helpers for the privacy tests: people with referrals, decisions and loans, made old."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time
from typing import Any

from inventory.db.tables import (
    Beneficiary, EligibilityDecision, Loan, LoanLine, Referral, WaitingEntry,
)
from inventory.domain.loan_policy import add_months
from inventory.domain.privacy import birth_band
from inventory.services import items
from inventory.services.common import SYSTEM, today
from tests.factories import make_item


async def available(kind: str = "laptop") -> str:
    """An item ready to lend."""
    row = await make_item(kind, accessories=["chargeur"])
    for target in ("refurbishing", "available"):
        await items.change_state(SYSTEM, row["tag"], target)
    return row["tag"]


async def followed(world, caller, **person: Any) -> dict[str, Any]:
    """A person referred by ``caller`` (need and path wish), with a decision seen on proofs."""
    created = await world.person(caller, **person)
    number = created["number"]
    referral = await caller.post("/api/v1/referrals/", {
        "beneficiary_number": number, "requested_kinds": ["laptop"],
        "need": person.get("notes", "Besoin d’un ordinateur"), "path_wish": "Atelier CV"})
    assert referral.status_code == 201, referral.text
    decision = await caller.post(f"/api/v1/beneficiaries/{number}/decisions", {
        "requested_kinds": ["laptop"],
        "proofs": [{"type": "attestation_caf", "seen_on": today().isoformat()}]})
    assert decision.status_code == 201 and decision.json()["eligible"], decision.text
    return {**created, "referral_id": referral.json()["id"],
            "decision_id": decision.json()["id"]}


async def lend(desk, number: str, tag: str, note: str = "") -> dict[str, Any]:
    response = await desk.post("/api/v1/loans/", {
        "beneficiary_number": number, "lines": [{"tag": tag}], "note": note})
    assert response.status_code == 201, response.text
    return response.json()


async def give_back(desk, tag: str) -> None:
    response = await desk.post("/api/v1/returns", {"tag": tag})
    assert response.status_code == 200, response.text


async def make_old(number: str, months: int = 30) -> None:
    """Move every date of a person's record and activity ``months`` back."""
    day = add_months(today(), -months)
    at = datetime.combine(day, time(12), tzinfo=UTC)
    pid = (await Beneficiary.select(Beneficiary.id).where(
        Beneficiary.number == number).first())["id"]
    await Beneficiary.update({Beneficiary.last_contact_on: day}).where(Beneficiary.id == pid)
    await Referral.update({Referral.referred_on: day}).where(Referral.beneficiary == pid)
    await Referral.update({Referral.answered_at: at}).where(
        (Referral.beneficiary == pid) & Referral.answered_at.is_not_null())
    await EligibilityDecision.update({EligibilityDecision.decided_on: day}).where(
        EligibilityDecision.beneficiary == pid)
    await Loan.update({Loan.started_on: day}).where(Loan.beneficiary == pid)
    await Loan.update({Loan.closed_at: at}).where(
        (Loan.beneficiary == pid) & Loan.closed_at.is_not_null())
    await LoanLine.update({LoanLine.closed_at: at}).where(
        (LoanLine.beneficiary == pid) & LoanLine.closed_at.is_not_null())
    await WaitingEntry.update({WaitingEntry.since: at}).where(WaitingEntry.beneficiary == pid)


async def report_figures() -> dict[str, Any]:
    """What the activity reports count: people by commune, situation, age band, priority
    area, organisation and site; loans and lines per site, kind and outcome; referrals and
    decisions."""
    people = await Beneficiary.select(
        Beneficiary.commune, Beneficiary.situation, Beneficiary.birth_year,
        Beneficiary.in_priority_area, Beneficiary.partner_org, Beneficiary.site.code)
    loans = await Loan.select(Loan.site.code, Loan.status, Loan.started_on)
    lines = await LoanLine.select(LoanLine.kind, LoanLine.outcome, LoanLine.loan.site.code)
    return {
        "people": len(people),
        "by_commune": Counter(p["commune"] for p in people),
        "by_situation": Counter(p["situation"] for p in people),
        "by_band": Counter(birth_band(p["birth_year"]) for p in people),
        "priority_area": Counter(p["in_priority_area"] for p in people),
        "by_org_site": Counter((p["partner_org"], p["site.code"]) for p in people),
        "loans_per_site": Counter((r["site.code"], r["status"]) for r in loans),
        "loans_per_month": Counter((r["started_on"].year, r["started_on"].month) for r in loans),
        "lines": Counter((r["kind"], r["outcome"], r["loan.site.code"]) for r in lines),
        "referrals": Counter(r["status"] for r in await Referral.select(Referral.status)),
        "decisions": Counter(r["eligible"] for r in await EligibilityDecision.select(
            EligibilityDecision.eligible)),
    }
