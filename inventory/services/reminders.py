"""Due-soon and overdue reminders through an outbox: fill it, send it, print the letters.

The outbox never holds one reminder twice (unique ``dedupe_key``, inserts of missing keys
only). Sending goes one reminder at a time, each recorded in its own transaction right after
it left: a crash never marks an unsent reminder as sent, and a sent one is never sent again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from inventory.db.engine import is_sqlite
from inventory.db.tables import LoanLine, Reminder
from inventory.domain import reminders as rules
from inventory.domain.lifecycle import Family
from inventory.domain.reminders import Channel, ReminderStatus, Schedule
from inventory.i18n import gettext_for
from inventory.services.beneficiaries import log_access
from inventory.services.common import SYSTEM, Actor, engine, unit_of_work, utcnow
from inventory.services.senders import Outgoing, Sender

OPEN_STATUSES = [ReminderStatus.PENDING, ReminderStatus.FAILED]
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Filled:
    added: int
    cancelled: int


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0


# --- filling the outbox -------------------------------------------------------------------

async def _open_loans(horizon: date) -> dict[int, dict[str, Any]]:
    """Open loans due by ``horizon`` with devices still out, each with its lent kinds."""
    rows = await LoanLine.select(
        LoanLine.loan, LoanLine.kind, LoanLine.loan.reference.as_alias("reference"),
        LoanLine.loan.due_on.as_alias("due_on"), LoanLine.loan.site.name.as_alias("site"),
        LoanLine.loan.beneficiary.as_alias("beneficiary"),
        LoanLine.loan.beneficiary.first_name.as_alias("first_name"),
        LoanLine.loan.beneficiary.phone.as_alias("phone"),
        LoanLine.loan.beneficiary.email.as_alias("email"),
    ).where(
        LoanLine.closed_at.is_null() & (LoanLine.family == Family.DEVICE)
        & (LoanLine.loan.status == "open") & LoanLine.loan.due_on.is_not_null()
        & (LoanLine.loan.due_on <= horizon)
    ).order_by(LoanLine.loan).order_by(LoanLine.id)
    loans: dict[int, dict[str, Any]] = {}
    for row in rows:
        loan = loans.setdefault(row["loan"], {**row, "kinds": []})
        loan["kinds"].append(row["kind"])
    return loans


def _wanted(loans: dict[int, dict[str, Any]], day: date, schedule: Schedule,
            association: str, gettext) -> list[Reminder]:
    """The outbox rows today's rules ask for, one per dedupe key."""
    now, wanted = utcnow(), []
    for loan_id, loan in loans.items():
        channel = rules.choose_channel(loan["phone"], loan["email"])
        for due in rules.reminders_due(loan["reference"], loan["due_on"], day, schedule):
            letter = rules.Letter(kind=due.kind, first_name=loan["first_name"],
                                  association=association, site=loan["site"],
                                  kinds=tuple(loan["kinds"]), due_on=loan["due_on"])
            wanted.append(Reminder(
                loan=loan_id, beneficiary=loan["beneficiary"], kind=due.kind, channel=channel,
                due_on=loan["due_on"], dedupe_key=due.key, created_at=now,
                body=rules.body(letter, channel, gettext), status=ReminderStatus.PENDING))
    return wanted


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


async def _insert_missing(wanted: list[Reminder]) -> int:
    """Insert the rows whose key is not in the outbox yet; a concurrent run's rows are kept."""
    keys = [r.dedupe_key for r in wanted]
    existing = set()
    for chunk in _chunks(keys):
        existing |= {r["dedupe_key"] for r in await Reminder.select(Reminder.dedupe_key).where(
            Reminder.dedupe_key.is_in(chunk))}
    missing = [r for r in wanted if r.dedupe_key not in existing]
    added = 0
    for chunk in _chunks(missing):
        inserted = await Reminder.insert(*chunk).on_conflict(
            target=Reminder.dedupe_key, action="DO NOTHING").returning(Reminder.id)
        added += len(inserted)
    return added


async def _cancel_superseded(wanted_keys: set[str]) -> int:
    """Unsent reminders today's rules no longer ask for: loan closed or renewed, or a newer
    overdue reminder replaces an older one that never left."""
    rows = await Reminder.select(Reminder.id, Reminder.dedupe_key).where(
        Reminder.status.is_in(OPEN_STATUSES) & (Reminder.attempts < rules.MAX_ATTEMPTS))
    stale = [r["id"] for r in rows if r["dedupe_key"] not in wanted_keys]
    for chunk in _chunks(stale):
        await Reminder.update({Reminder.status: ReminderStatus.CANCELLED,
                               Reminder.last_error: "superseded"}).where(
            Reminder.id.is_in(chunk) & Reminder.status.is_in(OPEN_STATUSES))
    return len(stale)


async def fill_outbox(day: date, *, association: str, schedule: Schedule = Schedule(),
                      locale: str = "fr") -> Filled:
    """Queue the reminders due on ``day`` for every open loan; running twice adds nothing."""
    async with unit_of_work():
        loans = await _open_loans(day + timedelta(days=schedule.days_before))
        wanted = _wanted(loans, day, schedule, association, gettext_for(locale))
        cancelled = await _cancel_superseded({r.dedupe_key for r in wanted})
        added = await _insert_missing(wanted)
    return Filled(added=added, cancelled=cancelled)


# --- sending ------------------------------------------------------------------------------

def _next_query(channels: Iterable[str], tried: set[int]):
    query = Reminder.select(
        Reminder.id, Reminder.dedupe_key, Reminder.kind, Reminder.channel, Reminder.body,
        Reminder.due_on, Reminder.attempts, Reminder.loan.status.as_alias("loan_status"),
        Reminder.loan.due_on.as_alias("loan_due_on"),
        Reminder.beneficiary.phone.as_alias("phone"),
        Reminder.beneficiary.email.as_alias("email"),
    ).where(Reminder.status.is_in(OPEN_STATUSES) & (Reminder.attempts < rules.MAX_ATTEMPTS)
            & Reminder.channel.is_in(sorted(channels)))
    if tried:
        query = query.where(Reminder.id.not_in(sorted(tried)))
    if not is_sqlite(engine()):
        # Two runs at once each take other reminders: a row is locked while it is sent.
        query = query.lock_rows("UPDATE", skip_locked=True, of=(Reminder,))
    return query.order_by(Reminder.id).first()


async def _attempt(sender: Sender, row: dict[str, Any]) -> tuple[str, str]:
    """Send one reminder; the new status and the error (empty when it left)."""
    if row["loan_status"] != "open" or row["loan_due_on"] != row["due_on"]:
        return ReminderStatus.CANCELLED, "loan closed or due date changed"
    to = row["phone"] if row["channel"] == Channel.SMS else row["email"]
    if not to:
        return ReminderStatus.FAILED, f"no {row['channel']} address any more"
    try:
        await sender.send(Outgoing(id=row["id"], key=row["dedupe_key"], kind=row["kind"],
                                   channel=row["channel"], to=to, body=row["body"]))
    except Exception as exc:  # any failure of any sender: count it, try again next run
        return ReminderStatus.FAILED, (str(exc) or type(exc).__name__)[:300]
    return ReminderStatus.SENT, ""


async def _record(row: dict[str, Any], status: str, error: str) -> None:
    """Write the outcome, only if nobody else did meanwhile (same attempts count)."""
    changes: dict[Any, Any] = {Reminder.status: status, Reminder.last_error: error}
    if status != ReminderStatus.CANCELLED:
        changes[Reminder.attempts] = row["attempts"] + 1
    if status == ReminderStatus.SENT:
        changes[Reminder.sent_at] = utcnow()
    await Reminder.update(changes).where(
        (Reminder.id == row["id"]) & Reminder.status.is_in(OPEN_STATUSES)
        & (Reminder.attempts == row["attempts"]))


async def _send_next(sender: Sender, tried: set[int]) -> str | None:
    """Send the next reminder not tried in this run; its new status, or None when done."""
    if is_sqlite(engine()):
        # SQLite has one writer: never hold it during a network call.
        row = await _next_query(sender.channels, tried)
        if row is None:
            return None
        status, error = await _attempt(sender, row)
        async with unit_of_work():
            await _record(row, status, error)
    else:
        async with unit_of_work():
            row = await _next_query(sender.channels, tried)
            if row is None:
                return None
            status, error = await _attempt(sender, row)
            await _record(row, status, error)
    tried.add(row["id"])
    return status


async def send_pending(sender: Sender, limit: int = 200) -> SendReport:
    """Send up to ``limit`` pending reminders of the sender's channels, one at a time."""
    report, tried = SendReport(), set()
    for _ in range(limit):
        status = await _send_next(sender, tried)
        if status is None:
            break
        setattr(report, status, getattr(report, status) + 1)
    return report


# --- printed letters ----------------------------------------------------------------------

async def letter_list(site_code: str, *, actor: Actor = SYSTEM,
                      locale: str = "fr") -> list[dict[str, Any]]:
    """Pending letters of a site's open loans, as rows to print (oldest first)."""
    gettext = gettext_for(locale)
    async with unit_of_work():
        rows = await Reminder.select(
            Reminder.id, Reminder.kind, Reminder.due_on, Reminder.loan,
            Reminder.loan.reference.as_alias("reference"),
            Reminder.loan.site.code.as_alias("site"),
            Reminder.beneficiary.as_alias("beneficiary"),
            Reminder.beneficiary.number.as_alias("number"),
            Reminder.beneficiary.first_name.as_alias("first_name"),
            Reminder.beneficiary.last_name.as_alias("last_name"),
        ).where((Reminder.status == ReminderStatus.PENDING)
                & (Reminder.channel == Channel.LETTER)
                & (Reminder.loan.site.code == site_code.strip().upper())
                & (Reminder.loan.status == "open")).order_by(Reminder.id)
        kinds = await _lent_kinds([r["loan"] for r in rows])
        await log_access(actor, "reminder.letters", sorted({r["beneficiary"] for r in rows}))
    return [{"id": r["id"], "name": f"{r['first_name']} {r['last_name']}".strip(),
             "number": r["number"], "site": r["site"], "due_on": r["due_on"],
             "items": rules.items_text(kinds.get(r["loan"], []), gettext),
             "kind": r["kind"], "reference": r["reference"]} for r in rows]


async def _lent_kinds(loan_ids: list[int]) -> dict[int, list[str]]:
    kinds: dict[int, list[str]] = {}
    for chunk in _chunks(sorted(set(loan_ids))):
        for line in await LoanLine.select(LoanLine.loan, LoanLine.kind).where(
                LoanLine.loan.is_in(chunk) & LoanLine.closed_at.is_null()
                & (LoanLine.family == Family.DEVICE)).order_by(LoanLine.id):
            kinds.setdefault(line["loan"], []).append(line["kind"])
    return kinds


async def mark_letters_printed(ids: Iterable[int]) -> int:
    """The letters were printed (to post): they count as sent. Returns how many were marked."""
    ids = sorted(set(ids))
    marked = 0
    async with unit_of_work():
        for chunk in _chunks(ids):
            done = await Reminder.update({Reminder.status: ReminderStatus.SENT,
                                          Reminder.sent_at: utcnow(),
                                          Reminder.attempts: Reminder.attempts + 1}).where(
                Reminder.id.is_in(chunk) & (Reminder.channel == Channel.LETTER)
                & (Reminder.status == ReminderStatus.PENDING)).returning(Reminder.id)
            marked += len(done)
    return marked
