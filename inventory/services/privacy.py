"""Privacy: anonymise people after the retention period or on request, and export what is held.

Anonymisation removes identity, contact, notes, proofs and free text about the person; the
record itself, its number, loans, item history and the coarse attributes statistics read
(birth-year band, commune, situation, priority area, site, organisation) stay, so report
figures do not change. A person with an open loan or an open waiting-list entry is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from inventory.db import sql
from inventory.db.engine import is_sqlite
from inventory.db.tables import (
    Beneficiary, EligibilityDecision, Loan, LoanLine, Referral, Reminder, WaitingEntry,
)
from inventory.domain import privacy as rules
from inventory.domain.days import local_day
from inventory.domain.errors import Conflict, N_
from inventory.domain.waiting import OPEN_STATUSES
from inventory.services.beneficiaries import find_visible, log_access
from inventory.services.common import (
    Actor, engine, from_json, today as local_today, unit_of_work, utcnow,
)

# Who anonymises on schedule: no account, its own role in the access log.
RETENTION = Actor(user_id=None, username="retention", role="system",
                  display_name="Conservation des données")
BATCH_SIZE = 100


@dataclass
class RetentionReport:
    """What a retention run did (or, dry, would do)."""

    cutoff: date
    anonymised: int = 0
    kept_active: int = 0  # no recent contact, but a loan, entry or activity since the cutoff
    dry_run: bool = False


def _day(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return local_day(value)
    return value


async def _activity(ids: list[int]) -> tuple[dict[int, date], set[int]]:
    """Each person's latest contact or activity, and who has an open loan or waiting entry."""
    latest: dict[int, date] = {}
    busy: set[int] = set()

    def bump(person: int, *values: date | datetime | None) -> None:
        for value in filter(None, map(_day, values)):
            latest[person] = max(latest.get(person, value), value)

    for row in await Beneficiary.select(Beneficiary.id, Beneficiary.last_contact_on).where(
            Beneficiary.id.is_in(ids)):
        bump(row["id"], row["last_contact_on"])
    for row in await Loan.select(Loan.beneficiary, Loan.started_on, Loan.closed_at,
                                 Loan.status).where(Loan.beneficiary.is_in(ids)):
        bump(row["beneficiary"], row["started_on"], row["closed_at"])
        if row["status"] == "open":
            busy.add(row["beneficiary"])
    for row in await LoanLine.select(LoanLine.beneficiary, LoanLine.closed_at,
                                     LoanLine.loss_resolved_at).where(
            LoanLine.beneficiary.is_in(ids)):
        bump(row["beneficiary"], row["closed_at"], row["loss_resolved_at"])
        if row["closed_at"] is None:
            busy.add(row["beneficiary"])
    for row in await Referral.select(Referral.beneficiary, Referral.referred_on,
                                     Referral.answered_at).where(Referral.beneficiary.is_in(ids)):
        bump(row["beneficiary"], row["referred_on"], row["answered_at"])
    for row in await EligibilityDecision.select(
            EligibilityDecision.beneficiary, EligibilityDecision.decided_on).where(
            EligibilityDecision.beneficiary.is_in(ids)):
        bump(row["beneficiary"], row["decided_on"])
    for row in await WaitingEntry.select(WaitingEntry.beneficiary, WaitingEntry.since,
                                         WaitingEntry.closed_at, WaitingEntry.status).where(
            WaitingEntry.beneficiary.is_in(ids)):
        bump(row["beneficiary"], row["since"], row["closed_at"])
        if row["status"] in OPEN_STATUSES:
            busy.add(row["beneficiary"])
    return latest, busy


async def _lock(ids: list[int]) -> None:
    """On PostgreSQL, lock the records in id order, as a check-out locks a household."""
    if ids and not is_sqlite(engine()):
        await sql.execute(engine(), "SELECT id FROM beneficiary WHERE id IN ("
                          f"{sql.placeholders(1, len(ids))}) ORDER BY id FOR UPDATE", *ids)


async def _scrub(person: dict[str, Any]) -> None:
    """Remove identity, contact, notes, proofs and free text of one person (in a transaction)."""
    pid = person["id"]
    now = utcnow()
    await Beneficiary.update({
        Beneficiary.first_name: rules.ANONYMOUS_FIRST_NAME,
        Beneficiary.last_name: rules.ANONYMOUS_LAST_NAME,
        Beneficiary.search_name: "", Beneficiary.duplicate_key: rules.anonymous_key(
            person["number"]),
        Beneficiary.phone: None, Beneficiary.email: None, Beneficiary.notes: "",
        Beneficiary.birth_year: rules.birth_band(person["birth_year"]),
        Beneficiary.anonymised_at: now, Beneficiary.updated_at: now,
    }).where(Beneficiary.id == pid)
    await Referral.update({Referral.need: "", Referral.path_wish: "",
                           Referral.decline_reason: ""}).where(Referral.beneficiary == pid)
    for row in await EligibilityDecision.select(
            EligibilityDecision.id, EligibilityDecision.answers).where(
            EligibilityDecision.beneficiary == pid):
        answers = rules.coarse_answers(from_json(row["answers"], {}))
        await EligibilityDecision.update({
            EligibilityDecision.answers: json.dumps(answers),
            EligibilityDecision.proofs: "[]", EligibilityDecision.revoke_reason: "",
        }).where(EligibilityDecision.id == row["id"])
    await Loan.update({Loan.note: ""}).where(Loan.beneficiary == pid)
    await LoanLine.update({LoanLine.circumstances: ""}).where(LoanLine.beneficiary == pid)
    await WaitingEntry.update({WaitingEntry.note: ""}).where(WaitingEntry.beneficiary == pid)
    await Reminder.update({Reminder.body: ""}).where(Reminder.beneficiary == pid)


async def _retention_batch(cutoff: date, after_id: int, size: int,
                           dry_run: bool) -> tuple[int, int, int] | None:
    """One batch in one transaction: (last id seen, anonymised, kept) or None when done."""
    async with unit_of_work():
        people = await Beneficiary.select(
            Beneficiary.id, Beneficiary.number, Beneficiary.birth_year).where(
            Beneficiary.anonymised_at.is_null() & (Beneficiary.last_contact_on < cutoff)
            & (Beneficiary.id > after_id)).order_by(Beneficiary.id).limit(size)
        if not people:
            return None
        ids = [p["id"] for p in people]
        await _lock(ids)
        latest, busy = await _activity(ids)
        chosen = [p for p in people if p["id"] not in busy and latest[p["id"]] < cutoff]
        if not dry_run:
            for person in chosen:
                await _scrub(person)
            await log_access(RETENTION, "beneficiary.anonymise", [p["id"] for p in chosen])
    return ids[-1], len(chosen), len(ids) - len(chosen)


async def anonymise_inactive(months: int = rules.RETENTION_MONTHS, today: date | None = None,
                             *, dry_run: bool = False,
                             batch_size: int = BATCH_SIZE) -> RetentionReport:
    """Anonymise everyone without contact for ``months``; safe to run again (done ones are
    skipped). One transaction per batch of people."""
    report = RetentionReport(cutoff=rules.retention_cutoff(today or local_today(), months),
                             dry_run=dry_run)
    after_id = 0
    while (done := await _retention_batch(report.cutoff, after_id, batch_size,
                                          dry_run)) is not None:
        after_id, anonymised, kept = done
        report.anonymised += anonymised
        report.kept_active += kept
    return report


async def erase(actor: Actor, number: str) -> dict[str, Any]:
    """Anonymise one person now, on their request; refused while a loan or entry is open."""
    async with unit_of_work():
        person = await find_visible(actor, number)
        await _lock([person["id"]])
        if person["anonymised_at"] is None:
            _, busy = await _activity([person["id"]])
            if person["id"] in busy:
                raise Conflict(N_("This person still has an open loan or waiting-list entry: "
                                  "close it before erasing their data."))
            await _scrub(person)
        await log_access(actor, "beneficiary.erase", [person["id"]])
        return await find_visible(actor, number)
