"""Due-soon and overdue reminders through an outbox: fill it, send it, print the letters.

The outbox never holds one reminder twice (unique ``dedupe_key``, inserts of missing keys
only). Sending goes one reminder at a time, each recorded in its own transaction right after
it left: a crash never marks an unsent reminder as sent, and a sent one is never sent again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Max

from inventory.db.engine import is_sqlite
from inventory.db.tables import Beneficiary, Loan, LoanLine, Reminder, Site
from inventory.domain import reminders as rules
from inventory.domain.days import local_moment
from inventory.domain.errors import N_, NotFound
from inventory.domain.lifecycle import Family
from inventory.domain.reminders import Channel, ReminderKind, ReminderStatus, Schedule
from inventory.i18n import gettext_for
from inventory.services.beneficiaries import log_access, scope_condition
from inventory.services.common import SYSTEM, Actor, engine, today, unit_of_work, utcnow
from inventory.services.history import append_access
from inventory.services.loans import visible_loan
from inventory.services.senders import Outgoing, SendFailed, Sender

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

def _outbox_query(condition, *, skip_locked: bool):
    """The first outbox row matching ``condition``, with what sending it needs."""
    query = Reminder.select(
        Reminder.id, Reminder.dedupe_key, Reminder.kind, Reminder.channel, Reminder.body,
        Reminder.due_on, Reminder.attempts, Reminder.loan.status.as_alias("loan_status"),
        Reminder.loan.due_on.as_alias("loan_due_on"),
        Reminder.beneficiary.phone.as_alias("phone"),
        Reminder.beneficiary.email.as_alias("email"),
    ).where(condition & Reminder.status.is_in(OPEN_STATUSES))
    if not is_sqlite(engine()):
        # Two runs at once each take other reminders: a row is locked while it is sent.
        query = query.lock_rows("UPDATE", skip_locked=skip_locked, of=(Reminder,))
    return query.order_by(Reminder.id).first()


def _next_query(channels: Iterable[str], tried: set[int]):
    condition = (Reminder.attempts < rules.MAX_ATTEMPTS) & Reminder.channel.is_in(
        sorted(channels))
    if tried:
        condition &= Reminder.id.not_in(sorted(tried))
    return _outbox_query(condition, skip_locked=True)


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


async def _send_found(sender: Sender, query) -> tuple[dict[str, Any], str] | None:
    """Send the reminder ``query`` finds and record the outcome; the row and its new status,
    or None when the query found nothing."""
    if is_sqlite(engine()):
        # SQLite has one writer: never hold it during a network call.
        row = await query
        if row is None:
            return None
        status, error = await _attempt(sender, row)
        async with unit_of_work():
            await _record(row, status, error)
    else:
        async with unit_of_work():
            row = await query
            if row is None:
                return None
            status, error = await _attempt(sender, row)
            await _record(row, status, error)
    return row, status


async def _send_next(sender: Sender, tried: set[int]) -> str | None:
    """Send the next reminder not tried in this run; its new status, or None when done."""
    sent = await _send_found(sender, _next_query(sender.channels, tried))
    if sent is None:
        return None
    tried.add(sent[0]["id"])
    return sent[1]


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


# --- the desk: overdue loans, and one reminder now ----------------------------------------

@dataclass(frozen=True, slots=True)
class Reminded:
    """What became of a reminder asked for at the desk."""

    id: int
    reference: str
    kind: str
    channel: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    error: str


class NoSender:
    """Stands in for a channel the configured sender does not reach: the attempt fails,
    saying so, and is recorded like any other failure."""

    def __init__(self, channel: str) -> None:
        self.channel, self.channels = channel, frozenset({channel})

    async def send(self, reminder: Outgoing) -> None:
        raise SendFailed(rules.NO_SENDER.format(channel=self.channel))


OVERDUE_COLUMNS = (
    Loan.id, Loan.reference, Loan.due_on, Loan.beneficiary,
    Loan.beneficiary.number.as_alias("number"),
    Loan.beneficiary.first_name.as_alias("first_name"),
    Loan.beneficiary.last_name.as_alias("last_name"),
    Loan.beneficiary.phone.as_alias("phone"), Loan.beneficiary.email.as_alias("email"),
    Loan.beneficiary.site.code.as_alias("site_code"),
)


def _overdue_condition(actor: Actor, site_code: str | None, day: date):
    """Open loans late on ``day`` with a device still out, whose borrower the actor sees
    (the front desk: people followed at their site) and, when ``site_code`` is chosen, is
    followed at that site (what that site's desk sees)."""
    condition = (Loan.status == "open") & (Loan.due_on < day) & Loan.id.is_in(
        LoanLine.select(LoanLine.loan).where(
            LoanLine.closed_at.is_null() & (LoanLine.family == Family.DEVICE)))
    scope = scope_condition(actor)
    if scope is not None:
        condition &= Loan.beneficiary.is_in(Beneficiary.select(Beneficiary.id).where(scope))
    if site_code and site_code.strip():
        condition &= Loan.beneficiary.site.code == site_code.strip().upper()[:12]
    return condition


async def _last_reminders(loan_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each loan's latest reminder that was not called off."""
    if not loan_ids:
        return {}
    latest = await Reminder.select(Max(Reminder.id, alias="id")).where(
        Reminder.loan.is_in(loan_ids) & (Reminder.status != ReminderStatus.CANCELLED)
    ).group_by(Reminder.loan)
    ids = [r["id"] for r in latest if r["id"] is not None]
    rows = await Reminder.select(
        Reminder.loan, Reminder.kind, Reminder.channel, Reminder.status, Reminder.created_at,
        Reminder.sent_at, Reminder.last_error).where(Reminder.id.is_in(ids or [0]))
    return {r["loan"]: r for r in rows}


async def _desk_rows(rows: list[dict[str, Any]], day: date, gettext) -> list[dict[str, Any]]:
    """The list's rows: names and number, whether a phone or e-mail is known (never which),
    days late, items out and the last reminder."""
    ids = [r["id"] for r in rows]
    kinds, last = await _lent_kinds(ids), await _last_reminders(ids)
    return [{
        "reference": r["reference"], "number": r["number"], "first_name": r["first_name"],
        "last_name": r["last_name"], "site_code": r["site_code"], "due_on": r["due_on"],
        "days_late": rules.days_late(r["due_on"], day),
        "has_mobile": bool(r["phone"]) and rules.is_mobile(r["phone"].strip()),
        "has_email": bool(r["email"] and r["email"].strip()),
        "channel": rules.choose_channel(r["phone"], r["email"]),
        "items": rules.items_text(kinds.get(r["id"], []), gettext),
        "beneficiary": r["beneficiary"], "last": last.get(r["id"]),
    } for r in rows]


async def overdue_loans(actor: Actor, site_code: str | None = None, *, page: int = 1,
                        per_page: int = 50, locale: str = "fr"
                        ) -> tuple[list[dict[str, Any]], int]:
    """One page of the late loans the actor may remind, longest overdue first, and how many
    there are; the reading of names is logged."""
    day = today()
    condition = _overdue_condition(actor, site_code, day)
    async with unit_of_work():
        total = await Loan.count().where(condition)
        found = await Loan.select(*OVERDUE_COLUMNS).where(condition).order_by(
            Loan.due_on, Loan.id).limit(per_page).offset((page - 1) * per_page)
        rows = await _desk_rows(found, day, gettext_for(locale))
        await log_access(actor, "reminder.list", sorted({r["beneficiary"] for r in rows}))
    return rows, total


async def overdue_loan(actor: Actor, reference: str, *,
                       locale: str = "fr") -> dict[str, Any] | None:
    """One loan's row of the list, or None when it is not (or no longer) on it."""
    day = today()
    found = await Loan.select(*OVERDUE_COLUMNS).where(
        _overdue_condition(actor, None, day) & (Loan.reference == reference[:20]))
    rows = await _desk_rows(found, day, gettext_for(locale))
    return rows[0] if rows else None


async def _queue_manual(loan: dict[str, Any], person: dict[str, Any], channel: Channel,
                        body: str, day: date) -> int:
    """Today's desk reminder of the loan in the outbox, ready to send (a failed or unsent one
    is tried again); AlreadyReminded once it left."""
    key = rules.manual_key(loan["reference"], day)
    await Reminder.insert(Reminder(
        loan=loan["id"], beneficiary=person["id"], kind=ReminderKind.MANUAL, channel=channel,
        due_on=loan["due_on"], dedupe_key=key, created_at=utcnow(), body=body,
        status=ReminderStatus.PENDING,
    )).on_conflict(target=Reminder.dedupe_key, action="DO NOTHING")
    reopened = await Reminder.update({
        Reminder.channel: channel, Reminder.due_on: loan["due_on"], Reminder.body: body,
        Reminder.status: ReminderStatus.PENDING, Reminder.last_error: "",
    }).where((Reminder.dedupe_key == key) & (Reminder.status != ReminderStatus.SENT)
             ).returning(Reminder.id)
    if reopened:
        return reopened[0]["id"]
    sent = await Reminder.select(Reminder.sent_at).where(Reminder.dedupe_key == key).first()
    raise rules.AlreadyReminded(time=local_moment(sent["sent_at"]).strftime("%H:%M"))


async def _reminded(reminder_id: int, reference: str) -> Reminded:
    row = await Reminder.select(
        Reminder.id, Reminder.kind, Reminder.channel, Reminder.status, Reminder.created_at,
        Reminder.sent_at, Reminder.last_error).where(Reminder.id == reminder_id).first()
    return Reminded(id=row["id"], reference=reference, kind=row["kind"],
                    channel=row["channel"], status=row["status"],
                    created_at=row["created_at"], sent_at=row["sent_at"],
                    error=row["last_error"])


async def remind_now(actor: Actor, reference: str, sender: Sender, *, association: str,
                     locale: str = "fr") -> Reminded:
    """Remind the borrower of one late loan now, through the outbox like the daily run (at
    most one a day); a letter is left to print. Who asked is written to the access log."""
    day = today()
    async with unit_of_work():
        loan, person = await visible_loan(actor, reference)
        kinds = (await _lent_kinds([loan["id"]])).get(loan["id"], [])
        rules.check_remindable(loan["status"], loan["due_on"], len(kinds), day)
        channel = rules.choose_channel(person["phone"], person["email"])
        site = await Site.select(Site.name).where(Site.id == loan["site"]).first()
        letter = rules.Letter(kind=ReminderKind.MANUAL, first_name=person["first_name"],
                              association=association, site=site["name"],
                              kinds=tuple(kinds), due_on=loan["due_on"])
        reminder_id = await _queue_manual(loan, person, channel,
                                          rules.body(letter, channel, gettext_for(locale)), day)
        await append_access(actor.user_id, actor.role, "reminder.send", [person["id"]])
    if channel != Channel.LETTER:
        by = sender if channel in sender.channels else NoSender(channel)
        await _send_found(by, _outbox_query(Reminder.id == reminder_id, skip_locked=False))
    return await _reminded(reminder_id, loan["reference"])


def _no_letter(reminder_id: int) -> NotFound:
    return NotFound(N_("No letter with number {id}."), id=reminder_id)


async def letter_to_print(actor: Actor, reminder_id: int) -> dict[str, Any]:
    """A reminder letter, to print, if its borrower is in the actor's scope; logged."""
    async with unit_of_work():
        row = await Reminder.select(
            Reminder.id, Reminder.kind, Reminder.status, Reminder.body, Reminder.created_at,
            Reminder.sent_at, Reminder.loan.reference.as_alias("reference"),
        ).where((Reminder.id == reminder_id) & (Reminder.channel == Channel.LETTER)).first()
        if row is None:
            raise _no_letter(reminder_id)
        try:
            _loan, person = await visible_loan(actor, row["reference"])
        except NotFound:
            raise _no_letter(reminder_id) from None
        await log_access(actor, "reminder.letter", [person["id"]])
    return {**row, "name": f"{person['first_name']} {person['last_name']}".strip(),
            "number": person["number"]}


async def mark_letter_printed(actor: Actor, reminder_id: int) -> bool:
    """One letter of the actor's scope was printed; False if it already was."""
    async with unit_of_work():
        await letter_to_print(actor, reminder_id)
        return await mark_letters_printed([reminder_id]) == 1
