"""Loans after the check-out (see services.checkout): reading, renewal, return, loss."""

from __future__ import annotations

from datetime import date
from typing import Any

from inventory.db.tables import Beneficiary, Loan, LoanLine, WaitingEntry
from inventory.domain import loans as rules_of
from inventory.domain.errors import Conflict, InvalidInput, InvalidTag, N_, NotFound
from inventory.domain.lifecycle import LOSS, RETURN, Family, Kind, State, allowed_moves
from inventory.domain.loan_policy import LoanFacts
from inventory.domain.tags import decode
from inventory.domain.waiting import WaitingStatus
from inventory.services import eligibility as elig_svc
from inventory.services.beneficiaries import find_visible, log_access, scope_condition
from inventory.services.common import Actor, from_json, today, unit_of_work, utcnow
from inventory.services.items import apply_transition, get_item, record_event

LINE_COLUMNS = (
    LoanLine.id, LoanLine.kind, LoanLine.family, LoanLine.due_on, LoanLine.accessories_out,
    LoanLine.condition_out, LoanLine.grade_out, LoanLine.closed_at, LoanLine.outcome,
    LoanLine.missing_accessories, LoanLine.condition_back, LoanLine.price_cents,
    LoanLine.loss_on, LoanLine.loss_resolved_at, LoanLine.item.tag.as_alias("tag"),
    LoanLine.item.brand.as_alias("brand"), LoanLine.item.model.as_alias("model"),
    LoanLine.item.serial.as_alias("serial"),
)


# --- reading ----------------------------------------------------------------------------

def _no_loan(reference: str) -> NotFound:
    return NotFound(N_("No loan with reference “{reference}”."), reference=reference[:20])


async def _loan_row(reference: str) -> dict[str, Any]:
    row = await Loan.select(
        *Loan._meta.columns, Loan.beneficiary.number.as_alias("beneficiary_number"),
        Loan.site.code.as_alias("site_code"),
    ).where(Loan.reference == reference).first()
    if row is None:
        raise _no_loan(reference)
    return row


async def _with_lines(row: dict[str, Any]) -> dict[str, Any]:
    row["lines"] = await LoanLine.select(*LINE_COLUMNS).where(
        LoanLine.loan == row["id"]).order_by(LoanLine.id)
    return row


async def _loan(reference: str) -> dict[str, Any]:
    return await _with_lines(await _loan_row(reference))


async def visible_loan(actor: Actor, reference: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A loan and its borrower, if the borrower is in the actor's scope; otherwise the same
    "no such loan" as for a reference that does not exist (nothing to probe)."""
    row = await _loan_row(reference)
    try:
        person = await find_visible(actor, row["beneficiary_number"])
    except NotFound:
        raise _no_loan(reference) from None
    return row, person


async def get_loan(actor: Actor, reference: str) -> dict[str, Any]:
    """One loan, if its borrower is in the actor's scope (else not found)."""
    async with unit_of_work():
        row, _ = await visible_loan(actor, reference)
        await log_access(actor, "loan.read", [row["beneficiary"]])
        return await _with_lines(row)


# --- renewal ----------------------------------------------------------------------------

async def _someone_waiting(kind: str, site_id: int, borrower_id: int) -> bool:
    """Whether another person waits for ``kind`` at the loan's site."""
    return await WaitingEntry.exists().where(
        (WaitingEntry.kind == kind) & (WaitingEntry.site == site_id)
        & (WaitingEntry.status == WaitingStatus.WAITING)
        & (WaitingEntry.beneficiary != borrower_id))


async def _new_due_dates(loan: dict[str, Any], lines: list[dict[str, Any]]) -> dict[int, date]:
    """The new due date of each device line; RenewalRefused (why) if one cannot be renewed."""
    policy = (await elig_svc.ruleset_in_force()).rules.loan_policy
    dues = {}
    for line in lines:
        facts = LoanFacts(kind=Kind(line["kind"]), started_on=loan["started_on"],
                          due_on=line["due_on"], renewals_done=loan["renewals_done"])
        waiting_now = await _someone_waiting(line["kind"], loan["site"], loan["beneficiary"])
        dues[line["id"]] = policy.renew(facts, someone_waiting_for_kind=waiting_now)
    return dues


async def renew_loan(actor: Actor, reference: str) -> dict[str, Any]:
    """Extend the devices still out per the loan policy, unless someone waits for the kind."""
    async with unit_of_work():
        loan, _ = await visible_loan(actor, reference)
        if loan["status"] != "open":
            raise Conflict(N_("This loan is closed: it cannot be renewed."))
        open_lines = await LoanLine.select(
            LoanLine.id, LoanLine.item, LoanLine.kind, LoanLine.family, LoanLine.due_on,
            LoanLine.item.site.as_alias("item_site"),
        ).where((LoanLine.loan == loan["id"]) & LoanLine.closed_at.is_null())
        devices = [line for line in open_lines if line["family"] == Family.DEVICE]
        if not devices:
            raise Conflict(N_("No device of this loan is still out: there is nothing to "
                              "renew."))
        dues = await _new_due_dates(loan, devices)
        every = [dues.get(line["id"], line["due_on"]) for line in open_lines]
        updated = await Loan.update({
            Loan.renewals_done: loan["renewals_done"] + 1,
            Loan.due_on: min((d for d in every if d is not None), default=None),
        }).where((Loan.id == loan["id"]) & (Loan.renewals_done == loan["renewals_done"])
                 ).returning(Loan.id)
        if not updated:
            raise Conflict(N_("This loan was changed by someone else meanwhile; try again."))
        for line in devices:
            await LoanLine.update({LoanLine.due_on: dues[line["id"]]}).where(
                LoanLine.id == line["id"])
            await record_event(line["item"], actor, "renewed", site=line["item_site"],
                               reason=loan["reference"],
                               details={"due_on": dues[line["id"]].isoformat()})
        await log_access(actor, "loan.renew", [loan["beneficiary"]])
        return await _loan(reference)


# --- return and loss --------------------------------------------------------------------

async def _open_line(tag: str, prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        canonical = str(decode(tag, prefix))
    except InvalidTag:
        raise NotFound(N_("No item with tag “{tag}”."), tag=tag[:40]) from None
    item = await get_item(canonical)
    line = await LoanLine.select(
        LoanLine.id, LoanLine.loan, LoanLine.accessories_out, LoanLine.family,
        LoanLine.beneficiary, LoanLine.loan.reference.as_alias("reference"),
    ).where((LoanLine.item == item["id"]) & LoanLine.closed_at.is_null()).first()
    if line is None:
        raise Conflict(N_("{tag} is not on loan."), tag=canonical)
    return item, line


async def _close_loan_if_done(loan_id: int) -> None:
    if not await LoanLine.exists().where((LoanLine.loan == loan_id)
                                         & LoanLine.closed_at.is_null()):
        await Loan.update({Loan.status: "closed", Loan.closed_at: utcnow()}).where(
            Loan.id == loan_id)


async def close_line(line_id: int, loan_id: int, outcome: rules_of.LineOutcome) -> None:
    """Close one loan line with its outcome, and the loan with its last open line."""
    await LoanLine.update({LoanLine.closed_at: utcnow(), LoanLine.outcome: outcome}).where(
        LoanLine.id == line_id)
    await _close_loan_if_done(loan_id)


async def _return_cards_with(actor: Actor, loan_id: int, reference: str) -> None:
    """The cards handed over with a hotspot (its SIM) come back with it, to stock."""
    lines = await LoanLine.select(LoanLine.id, LoanLine.item.tag.as_alias("tag")).where(
        (LoanLine.loan == loan_id) & (LoanLine.family == Family.CARD)
        & LoanLine.closed_at.is_null())
    for line in lines:
        await LoanLine.update({LoanLine.closed_at: utcnow(),
                               LoanLine.outcome: rules_of.LineOutcome.RETURNED}).where(
            LoanLine.id == line["id"])
        card = await get_item(line["tag"])
        if State.IN_STOCK in allowed_moves(Family.CARD, card["state"]):
            await apply_transition(actor, card, State.IN_STOCK, reason=reference,
                                   site_id=actor.site_id)


async def return_item(actor: Actor, tag: str, prefix: str, *, accessories_back: list[str],
                      condition: str = "") -> dict[str, Any]:
    """A device comes back: it goes to "returned" (to wipe); missing accessories are noted;
    a hotspot brings back the cards handed over with it."""
    async with unit_of_work():
        item, line = await _open_line(tag, prefix)
        if line["family"] != Family.DEVICE:
            raise InvalidInput(N_("A connection card is handed over, not returned."))
        handed = from_json(line["accessories_out"], [])
        back = rules_of.check_accessories(item["tag"], handed, accessories_back)
        missing = rules_of.missing_accessories(handed, back)
        await LoanLine.update({
            LoanLine.closed_at: utcnow(), LoanLine.outcome: rules_of.LineOutcome.RETURNED,
            LoanLine.accessories_back: back, LoanLine.missing_accessories: missing,
            LoanLine.condition_back: condition.strip()[:300],
        }).where(LoanLine.id == line["id"])
        await apply_transition(actor, item, State.RETURNED, via=RETURN,
                               reason=line["reference"], note=condition.strip()[:300],
                               site_id=actor.site_id)
        if missing:
            await record_event(item["id"], actor, "accessories_missing", site=item["site"],
                               reason=line["reference"], details={"missing": missing})
        if item["kind"] == Kind.HOTSPOT:
            await _return_cards_with(actor, line["loan"], line["reference"])
        await _close_loan_if_done(line["loan"])
        return await _loan(line["reference"])


async def declare_loss(actor: Actor, tag: str, prefix: str, *, outcome: str, on: date,
                       circumstances: str) -> dict[str, Any]:
    """A lent device is lost or stolen: the loan line closes with an unresolved incident."""
    try:
        kind = rules_of.LineOutcome(outcome)
    except ValueError:
        kind = None
    if kind not in (rules_of.LineOutcome.LOST, rules_of.LineOutcome.STOLEN):
        raise InvalidInput(N_("Say whether the item was lost or stolen."))
    if on > today():
        raise InvalidInput(N_("The date of the loss cannot be in the future."))
    if not circumstances.strip():
        raise InvalidInput(N_("Describe the circumstances in a few words."))
    async with unit_of_work():
        item, line = await _open_line(tag, prefix)
        await LoanLine.update({
            LoanLine.closed_at: utcnow(), LoanLine.outcome: kind, LoanLine.loss_on: on,
            LoanLine.circumstances: circumstances.strip()[:2000],
        }).where(LoanLine.id == line["id"])
        target = State.LOST if kind is rules_of.LineOutcome.LOST else State.STOLEN
        await apply_transition(actor, item, target, via=LOSS, reason=line["reference"],
                               note=circumstances.strip()[:2000])
        await _close_loan_if_done(line["loan"])
        return await _loan(line["reference"])


async def resolve_loss(actor: Actor, line_id: int, note: str) -> None:
    """The incident is settled (replaced, reimbursed, forgiven): new loans are possible again."""
    if not note.strip():
        raise InvalidInput(N_("Say how the loss was settled."))
    async with unit_of_work():
        updated = await LoanLine.update({LoanLine.loss_resolved_at: utcnow()}).where(
            (LoanLine.id == line_id) & LoanLine.outcome.is_in(["lost", "stolen"])
            & LoanLine.loss_resolved_at.is_null()).returning(LoanLine.item)
        if not updated:
            raise NotFound(N_("No unresolved loss with number {id}."), id=line_id)
        await record_event(updated[0]["item"], actor, "loss_resolved", note=note.strip()[:500])


async def list_loans(actor: Actor, *, status: str | None = None, overdue: bool = False,
                     page: int = 1, per_page: int = 50) -> list[dict[str, Any]]:
    """Loans whose borrowers the actor may see; ``overdue``: open and past their due date."""
    query = Loan.select(Loan.reference, Loan.started_on, Loan.due_on, Loan.status,
                        Loan.beneficiary, Loan.beneficiary.number.as_alias("beneficiary_number"),
                        Loan.site.code.as_alias("site_code"))
    condition = scope_condition(actor)
    if condition is not None:
        query = query.where(Loan.beneficiary.is_in(Beneficiary.select(Beneficiary.id).where(
            condition)))
    if status:
        query = query.where(Loan.status == status)
    if overdue:
        query = query.where((Loan.status == "open") & (Loan.due_on < today()))
    async with unit_of_work():
        rows = await query.order_by(Loan.due_on, Loan.id).limit(per_page).offset(
            (page - 1) * per_page)
        await log_access(actor, "loan.list", sorted({r["beneficiary"] for r in rows}))
    return rows
