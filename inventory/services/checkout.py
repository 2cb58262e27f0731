"""Check-out: lend items to one person in one loan, in one transaction, never twice.

The hot path of the front desk, so its queries are plain SQL (inventory.db.sql) in the
transaction the unit of work opened; the rules stay in the domain. Never twice: the
household and the items are locked (SELECT … FOR UPDATE on PostgreSQL; SQLite has one
writer at a time), every item's state is checked and changed compare-and-set, and the
database refuses a second open loan line for an item whatever happens (partial unique
index). Measured: ``python -m bench.loans``.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from inventory.db import sql
from inventory.db.engine import is_sqlite
from inventory.domain import loans as rules_of
from inventory.domain.access import reads_are_logged, sees
from inventory.domain.decisions import DecisionSummary, require_valid_decision
from inventory.domain.eligibility import (
    Applicant, Facts, NotEligible, ReferralFacts, Request, Situation, check_loan,
)
from inventory.domain.errors import Conflict, InvalidInput, InvalidTag, N_, NotFound
from inventory.domain.lifecycle import Family, Kind, State, check_transition
from inventory.domain.tags import decode
from inventory.services import eligibility as elig_svc
from inventory.services import waiting
from inventory.services.common import Actor, engine, from_json, today, unit_of_work, utcnow
from inventory.services.history import append_access, append_item_event
from inventory.services.items import read_voucher

LENDABLE = {Family.DEVICE: (State.AVAILABLE, State.RESERVED),
            Family.CARD: (State.IN_STOCK, State.RESERVED)}


@dataclass(frozen=True, slots=True)
class LineRequest:
    tag: str
    accessories: tuple[str, ...] = ()
    condition: str = ""


@dataclass(frozen=True)
class CheckOut:
    beneficiary: str
    lines: tuple[LineRequest, ...]
    due_on: date | None = None
    deposit_cents: int | None = None
    deposit_form: str | None = None
    note: str = ""
    vouchers: dict[str, str] = field(default_factory=dict)
    enrollment_id: int | None = None  # the learning-path enrollment the loan serves


_PERSON = ("SELECT id, number, birth_year, commune, situation, household_ref, merged_into, "
           "partner_org, site FROM beneficiary WHERE number = $1")
_ENROLLMENT = ("SELECT e.id, e.beneficiary, e.status, e.expected_end_on FROM enrollment e "
               "WHERE e.id = $1")
_ITEMS = ("SELECT i.id, i.tag, i.family, i.kind, i.state, i.site, i.accessories, i.price_cents, "
          "i.cosmetic_grade, i.brand, i.model, i.serial FROM item i WHERE i.tag IN ({}) "
          "ORDER BY i.id")
_DECISIONS = ("SELECT id, eligible, covers, decided_on, valid_until, revoked_at "
              "FROM eligibility_decision WHERE beneficiary = $1")
_INSERT_LOAN = (
    "INSERT INTO loan (reference, beneficiary, site, decision, started_on, due_on, status, "
    "renewals_done, deposit_cents, deposit_form, note, created_by, created_at, enrollment) "
    "VALUES ($1, $2, $3, $4, $5, $6, 'open', 0, $7, $8, $9, $10, $11, $12) RETURNING id")
_INSERT_LINE = (
    "INSERT INTO loan_line (loan, item, beneficiary, kind, family, price_cents, due_on, "
    "accessories_out, condition_out, grade_out, accessories_back, missing_accessories, "
    "condition_back, circumstances) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '[]', "
    "'[]', '', '') RETURNING id")
_MOVE_ITEM = ("UPDATE item SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4 "
              "RETURNING id")


async def _person(actor: Actor, number: str) -> dict[str, Any]:
    """The borrower, if in the actor's scope (the same rule as every beneficiary read)."""
    row = await sql.fetchrow(engine(), _PERSON, number)
    if row is None or not sees(actor.role, site_id=actor.site_id,
                               partner_org_id=actor.partner_org_id,
                               person_site=row["site"], person_org=row["partner_org"]):
        raise NotFound(N_("No beneficiary with number “{number}”."), number=number[:20])
    if row["merged_into"]:
        raise InvalidInput(N_("This record was merged into {number}: use that one."),
                           number=row["merged_into"])
    return row


async def _enrollment(person: dict[str, Any], enrollment_id: int | None) -> dict[str, Any] | None:
    """The enrollment the loan serves: the same person's, and active."""
    if enrollment_id is None:
        return None
    row = await sql.fetchrow(engine(), _ENROLLMENT, enrollment_id)
    if row is None or row["beneficiary"] != person["id"]:
        raise NotFound(N_("This person has no enrollment with number {id}."), id=enrollment_id)
    if row["status"] != "active":
        raise InvalidInput(N_("This enrollment is closed: a loan can only serve a learning "
                              "path in progress."))
    return row


async def _lock_and_load(person: dict[str, Any], tags: list[str],
                         prefix: str) -> list[dict[str, Any]]:
    """Lock the household, then the items in id order (no deadlock), and return the items."""
    canonical = []
    for tag in tags:
        try:
            canonical.append(str(decode(tag, prefix)))
        except InvalidTag:
            raise NotFound(N_("No item with tag “{tag}”."), tag=tag[:40]) from None
    query = _ITEMS.format(sql.placeholders(1, len(canonical)))
    if not is_sqlite(engine()):
        await sql.execute(engine(), "SELECT id FROM beneficiary WHERE household_ref = $1 "
                          "ORDER BY id FOR UPDATE", person["household_ref"])
        query += " FOR UPDATE"
    found = {row["tag"]: row for row in await sql.fetch(engine(), query, *canonical)}
    for tag in canonical:
        if tag not in found:
            raise NotFound(N_("No item with tag “{tag}”."), tag=tag)
        if found[tag]["state"] not in LENDABLE[Family(found[tag]["family"])]:
            raise rules_of.NotLendable(tag, found[tag]["state"])
    return [found[tag] for tag in canonical]


async def _decision(person: dict[str, Any], kinds: Tally, day: date) -> DecisionSummary:
    rows = await sql.fetch(engine(), _DECISIONS, person["id"])
    summaries = [DecisionSummary(
        id=r["id"], eligible=bool(r["eligible"]),
        covers=frozenset(Kind(k) for k in from_json(r["covers"], [])),
        decided_on=r["decided_on"], valid_until=r["valid_until"],
        revoked=r["revoked_at"] is not None) for r in rows]
    return require_valid_decision(summaries, kinds, day)


async def _check_rules(person: dict[str, Any], items: list[dict[str, Any]], day: date,
                       enrolled: bool = False):
    """A valid decision covering every kind, then the loan rules, every failure at once."""
    kinds = Tally(Kind(i["kind"]) for i in items)
    decision = await _decision(person, kinds, day)
    rules = (await elig_svc.ruleset_in_force()).rules
    card_cents = sum((i["price_cents"] or 0) for i in items if i["family"] == Family.CARD)
    facts = Facts(
        applicant=Applicant(birth_year=person["birth_year"], commune=person["commune"],
                            situation=Situation(person["situation"])),
        referral=ReferralFacts(partner_active=True, referred_on=None),
        history=await elig_svc.loan_history(person, day),
        request=Request(kinds=frozenset(kinds), quantities=kinds,
                        card_amount_eur=Decimal(card_cents) / 100,
                        serves_active_enrollment=enrolled),
        today=day)
    evaluation = check_loan(facts, rules)
    if not evaluation.eligible:
        raise NotEligible(evaluation)
    return decision, rules


def _plan(request: CheckOut, items: list[dict[str, Any]], rules, day: date,
          path_end: date | None = None) -> list[dict]:
    """Each line's due date and accessories, checked before anything is written."""
    planned = []
    for item, line in zip(items, request.lines):
        family = Family(item["family"])
        due = rules.loan_policy.due_date(
            Kind(item["kind"]), day, requested=request.due_on if family == Family.DEVICE else None,
            path_end=path_end)
        handed = rules_of.check_accessories(item["tag"], from_json(item["accessories"], []),
                                            line.accessories)
        target, via = rules_of.handover_target(family)
        check_transition(family, item["state"], target, via=via)
        planned.append({"item": item, "family": family, "due_on": due, "handed": handed,
                        "condition": line.condition.strip()[:300], "target": target})
    return planned


async def _insert_loan(actor: Actor, person, items, decision, request, deposit, day,
                       due_on) -> tuple[int, str, int]:
    """The loan row; its reference comes from its id (no shared counter to wait on)."""
    site = actor.site_id or items[0]["site"]
    loan_id = (await sql.fetchrow(engine(), _INSERT_LOAN, f"T{secrets.token_hex(7)}",
                                  person["id"], site, decision.id, day, due_on, deposit[0],
                                  deposit[1], request.note.strip()[:1000], actor.user_id,
                                  utcnow(), request.enrollment_id))["id"]
    reference = rules_of.loan_reference(loan_id)
    await sql.execute(engine(), "UPDATE loan SET reference = $1 WHERE id = $2", reference,
                      loan_id)
    return loan_id, reference, site


async def _hand_over(actor: Actor, loan_id: int, reference: str, person_id: int,
                     plan: dict) -> dict[str, Any]:
    """One line: the loan line, the item's state (compare-and-set) and its history."""
    item, now = plan["item"], utcnow()
    line_id = (await sql.fetchrow(
        engine(), _INSERT_LINE, loan_id, item["id"], person_id, item["kind"], plan["family"].value,
        item["price_cents"], plan["due_on"], json.dumps(plan["handed"]), plan["condition"],
        item["cosmetic_grade"]))["id"]
    moved = await sql.fetch(engine(), _MOVE_ITEM, plan["target"].value, now, item["id"],
                            item["state"])
    if not moved:
        raise Conflict(N_("This item was changed by someone else meanwhile; scan it again."))
    await append_item_event(item["id"], actor.user_id, "transition", at=now,
                            from_state=item["state"], to_state=plan["target"].value,
                            site=item["site"], reason=reference, item_locked=True)
    return {"id": line_id, "tag": item["tag"], "kind": item["kind"],
            "family": plan["family"].value, "brand": item["brand"], "model": item["model"],
            "serial": item["serial"], "due_on": plan["due_on"], "accessories_out": plan["handed"],
            "condition_out": plan["condition"], "grade_out": item["cosmetic_grade"],
            "closed_at": None, "outcome": None, "missing_accessories": [],
            "condition_back": "", "price_cents": item["price_cents"]}


async def check_out(actor: Actor, request: CheckOut, prefix: str) -> dict[str, Any]:
    """Lend items to one person in one loan; card codes are in this answer only."""
    rules_of.check_item_count([line.tag for line in request.lines])
    deposit = rules_of.check_deposit(request.deposit_cents, request.deposit_form)
    day = today()
    async with unit_of_work():
        person = await _person(actor, request.beneficiary)
        enrollment = await _enrollment(person, request.enrollment_id)
        items = await _lock_and_load(person, [line.tag for line in request.lines], prefix)
        await waiting.check_reservations(person["id"], items)
        decision, rules = await _check_rules(person, items, day, enrolled=enrollment is not None)
        plans = _plan(request, items, rules, day,
                      path_end=enrollment["expected_end_on"] if enrollment else None)
        dues = [p["due_on"] for p in plans if p["due_on"] is not None]
        loan_id, reference, site = await _insert_loan(actor, person, items, decision, request,
                                                      deposit, day, min(dues, default=None))
        lines, vouchers = [], {}
        for plan in plans:
            lines.append(await _hand_over(actor, loan_id, reference, person["id"], plan))
            if plan["family"] == Family.CARD:
                card = plan["item"]
                vouchers[card["tag"]] = await read_voucher(
                    actor, card["id"], site=card["site"], reason=f"remise {reference}") or ""
        if await sql.fetchrow(engine(), "SELECT id FROM waiting_entry WHERE beneficiary = $1 "
                              "AND status IN ('waiting', 'proposed') LIMIT 1", person["id"]):
            await waiting.serve_entries(actor, person["id"], items)
        if reads_are_logged(actor.role):
            await append_access(actor.user_id, actor.role, "loan.create", [person["id"]])
        site_code = (await sql.fetchrow(engine(), "SELECT code FROM site WHERE id = $1",
                                        site))["code"]
    return {"id": loan_id, "reference": reference, "beneficiary_number": person["number"],
            "site_code": site_code, "started_on": day, "due_on": min(dues, default=None),
            "status": "open", "renewals_done": 0, "deposit_cents": deposit[0],
            "deposit_form": deposit[1], "lines": lines, "vouchers": vouchers,
            "enrollment": request.enrollment_id}
