"""What the front-desk pages read before a loan or a return: the person's eligibility at a
glance, the items scanned, the open loan of an item. Nothing here changes data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from inventory.db.tables import EligibilityDecision, LoanLine
from inventory.domain.access import may
from inventory.domain.decisions import (
    DecisionStatus, DecisionSummary, NoValidDecision, decision_status, require_valid_decision,
)
from inventory.domain.errors import Conflict, InvalidInput, InvalidTag, N_, NotFound
from inventory.domain.lifecycle import Family, Kind
from inventory.domain.loans import NotLendable
from inventory.domain.scan import resolve_code
from inventory.services import eligibility as elig_svc
from inventory.services.beneficiaries import find_visible, log_access
from inventory.services.checkout import LENDABLE
from inventory.services.common import Actor, from_json, today, unit_of_work
from inventory.services.items import get_item


@dataclass(frozen=True)
class Standing:
    """A person's eligibility as the desk sees it before lending."""

    status: DecisionStatus | None  # of the newest decision not revoked; None: no decision
    decision: DecisionSummary | None  # the decision a loan would rest on, if any
    covers: tuple[Kind, ...]
    problem: NoValidDecision | None  # why no loan can rest on a decision
    reasons: tuple[str, ...]  # the newest decision's reasons when it refused (French)


def canonical_tag(code: str, prefix: str) -> str:
    """The canonical tag in what was scanned or typed; NotFound for anything else."""
    try:
        return resolve_code(code, prefix)
    except InvalidTag as exc:
        raise NotFound(exc.message, **exc.params) from None


async def _reasons(decision_id: int) -> tuple[str, ...]:
    row = await EligibilityDecision.select(EligibilityDecision.reasons).where(
        EligibilityDecision.id == decision_id).first()
    return tuple(from_json(row["reasons"], [])) if row else ()


async def standing(person: dict[str, Any], kinds: Iterable[str], day: date) -> Standing:
    """The newest decision's status, what a loan of ``kinds`` would rest on, or why not."""
    summaries = await elig_svc.decision_summaries(person["id"])
    live = sorted((d for d in summaries if not d.revoked), key=lambda d: (d.decided_on, d.id),
                  reverse=True)
    newest = live[0] if live else None
    status = decision_status(newest, day) if newest else None
    reasons = await _reasons(newest.id) if status is DecisionStatus.REFUSED else ()
    try:
        decision = require_valid_decision(summaries, [Kind(k) for k in kinds], day)
    except NoValidDecision as exc:
        return Standing(status, None, tuple(sorted(newest.covers)) if newest else (), exc,
                        reasons)
    return Standing(status, decision, tuple(sorted(decision.covers)), None, reasons)


async def person_for_loan(actor: Actor, number: str, kinds: Iterable[str]
                          ) -> tuple[dict[str, Any], Standing]:
    """A person in the actor's scope and their standing; the reading is logged."""
    async with unit_of_work():
        person = await find_visible(actor, number)
        await log_access(actor, "beneficiary.read", [person["id"]])
        return person, await standing(person, kinds, today())


async def lendable_item(code: str, prefix: str) -> dict[str, Any]:
    """An item ready to lend, by what was scanned; NotFound or NotLendable otherwise."""
    item = await get_item(canonical_tag(code, prefix))
    if item["state"] not in LENDABLE[Family(item["family"])]:
        raise NotLendable(item["tag"], item["state"])
    item["accessory_list"] = from_json(item["accessories"], [])
    return item


async def default_due(kinds: Iterable[str]) -> date | None:
    """The loan's due date per the policy (the earliest of its devices'), None if cards only."""
    policy = (await elig_svc.ruleset_in_force()).rules.loan_policy
    day = today()
    dues = [policy.due_date(Kind(k), day) for k in kinds]
    return min((d for d in dues if d is not None), default=None)


_OPEN_LINE = (
    LoanLine.id, LoanLine.due_on, LoanLine.accessories_out, LoanLine.family,
    LoanLine.beneficiary, LoanLine.loan.reference.as_alias("reference"),
    LoanLine.beneficiary.number.as_alias("beneficiary_number"),
)


async def open_line(item_id: int) -> dict[str, Any] | None:
    """The loan line an item is out on, if any."""
    row = await LoanLine.select(*_OPEN_LINE).where(
        (LoanLine.item == item_id) & LoanLine.closed_at.is_null()).first()
    if row is not None:
        row["accessories_out"] = from_json(row["accessories_out"], [])
    return row


async def current_loan(actor: Actor, item_id: int) -> dict[str, Any] | None:
    """The item's open loan: reference and due date; the holder only for those who may see
    them (the reading is then logged)."""
    async with unit_of_work():
        line = await open_line(item_id)
        if line is None:
            return None
        holder = None
        if may(actor.role, "beneficiaries.read"):
            try:
                holder = (await find_visible(actor, line["beneficiary_number"]))["number"]
            except NotFound:
                holder = None
            else:
                await log_access(actor, "loan.read", [line["beneficiary"]])
    return {"reference": line["reference"], "due_on": line["due_on"], "holder": holder}


async def returnable(code: str, prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A device out on loan and its open line, by what was scanned."""
    item = await get_item(canonical_tag(code, prefix))
    line = await open_line(item["id"])
    if line is None:
        raise Conflict(N_("{tag} is not on loan."), tag=item["tag"])
    if line["family"] != Family.DEVICE:
        raise InvalidInput(N_("A connection card is handed over, not returned."))
    return item, line
