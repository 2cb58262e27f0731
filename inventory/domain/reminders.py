"""Reminders of a loan's due date: which ones a loan needs on a day, by which channel, saying what.

Pure rules; the reminder service writes what they say into the outbox (one row per dedupe key,
so a reminder is never queued twice) and the senders deliver it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from inventory.domain.errors import Conflict, Gettext, InvalidInput, N_
from inventory.domain.loan_policy import KIND_LABELS

SMS_MAX = 159  # strictly under 160 characters: one SMS
MAX_ATTEMPTS = 5


class ReminderKind(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MANUAL = "manual"  # asked for at the desk for one overdue loan, at most once a day


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"  # printed and posted: the person has neither phone nor e-mail


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the loan was closed or its due date moved before sending


@dataclass(frozen=True, slots=True)
class Schedule:
    """When reminders go out: ``days_before`` the due date, then every ``repeat_days`` late."""

    days_before: int = 7
    repeat_days: int = 7

    def __post_init__(self) -> None:
        if not 0 <= self.days_before <= 60:
            raise InvalidInput(N_("Reminders go out 0 to 60 days before the due date."))
        if not 1 <= self.repeat_days <= 90:
            raise InvalidInput(N_("Overdue reminders repeat every 1 to 90 days."))


@dataclass(frozen=True, slots=True)
class Due:
    """One reminder a loan needs: its kind, the day it stands for, and its dedupe key."""

    kind: ReminderKind
    on: date
    key: str


def dedupe_key(reference: str, kind: ReminderKind, on: date) -> str:
    """The outbox key, one per loan, kind and day: ``loan:P-00042-7:overdue:2026-12-08``."""
    return f"loan:{reference}:{kind}:{on.isoformat()}"


def reminders_due(reference: str, due_on: date | None, day: date,
                  schedule: Schedule = Schedule()) -> list[Due]:
    """The reminders an open loan needs on ``day``.

    "Due soon" from ``days_before`` days before the due date until the due date itself (a run
    missed on the exact day still catches up, and the key keeps it to one per due date);
    "overdue" the day after the due date, then every ``repeat_days`` days while it stays late
    (after missed runs only the latest occurrence, never a burst of old ones).
    """
    if due_on is None:
        return []
    if day <= due_on:
        if day >= due_on - timedelta(days=schedule.days_before):
            return [Due(ReminderKind.DUE_SOON, due_on,
                        dedupe_key(reference, ReminderKind.DUE_SOON, due_on))]
        return []
    first = due_on + timedelta(days=1)
    occurrence = first + timedelta(
        days=(day - first).days // schedule.repeat_days * schedule.repeat_days)
    return [Due(ReminderKind.OVERDUE, occurrence,
                dedupe_key(reference, ReminderKind.OVERDUE, occurrence))]


def is_mobile(phone: str) -> bool:
    """Can this E.164 number receive an SMS? French landlines (+331…+335, +339) cannot."""
    if phone.startswith("+33"):
        return phone[3:4] in ("6", "7")
    return True  # other countries: trust the number the person gave


def choose_channel(phone: str | None, email: str | None) -> Channel:
    """SMS to a mobile phone, else e-mail, else a printed letter."""
    if phone and is_mobile(phone.strip()):
        return Channel.SMS
    if email and email.strip():
        return Channel.EMAIL
    return Channel.LETTER


# SMS texts keep to the GSM alphabet where they can (no ê, no ’): one other character and
# the whole SMS falls back to 70-character segments.
SMS_TEXTS = {
    ReminderKind.DUE_SOON: N_(
        "Hello {name}, {association} ({site}): equipment due back by {date} ({items})."
        " Thank you!"),
    ReminderKind.OVERDUE: N_(
        "Hello {name}, {association} ({site}): return was due on {date} ({items}). Could you"
        " come by or call us? Thank you!"),
}
LONG_TEXTS = {
    ReminderKind.DUE_SOON: (
        N_("Hello {name},"),
        N_("{association} reminds you that the equipment lent to you ({items}) is due back at"
           " our desk ({site}) by {date}."),
        N_("If you still need it, come and talk to us: the loan can sometimes be extended."),
    ),
    ReminderKind.OVERDUE: (
        N_("Hello {name},"),
        N_("The equipment lent by {association} ({items}) was due back at our desk ({site})"
           " on {date}."),
        N_("Please bring it back, or contact us if something is in the way: we will find a"
           " solution together."),
    ),
}
# A reminder asked for at the desk is about an overdue loan: it says what the overdue one says.
SMS_TEXTS[ReminderKind.MANUAL] = SMS_TEXTS[ReminderKind.OVERDUE]
LONG_TEXTS[ReminderKind.MANUAL] = LONG_TEXTS[ReminderKind.OVERDUE]
SIGNATURE = N_("Thank you, and see you soon,\nThe {association} team")
SUBJECTS = {
    ReminderKind.DUE_SOON: N_("Reminder: equipment to bring back"),
    ReminderKind.OVERDUE: N_("Reminder: equipment not yet returned"),
    ReminderKind.MANUAL: N_("Reminder: equipment not yet returned"),
}


@dataclass(frozen=True, slots=True)
class Letter:
    """What a reminder says, whatever the channel: no personal data beyond the first name."""

    kind: ReminderKind
    first_name: str
    association: str
    site: str
    kinds: tuple[str, ...]
    due_on: date


def items_text(kinds: Iterable[str], gettext: Gettext) -> str:
    """The item kinds in words, each once, in the order lent: "ordinateur portable, tablette"."""
    seen = list(dict.fromkeys(kinds))
    return ", ".join(gettext(KIND_LABELS.get(k, k)) for k in seen)


def _fill(message: str, letter: Letter, gettext: Gettext, **overrides: str) -> str:
    values = {"name": letter.first_name.strip(), "association": letter.association.strip(),
              "site": letter.site.strip(), "items": items_text(letter.kinds, gettext),
              "date": letter.due_on.strftime("%d/%m/%Y"), **overrides}
    return gettext(message).format(**values)


def _cut(text: str, length: int | None) -> str:
    """``text`` shortened to ``length`` characters, ending in "." (None: as is, 0: empty)."""
    if length is None or len(text) <= length:
        return text
    return text[: length - 1].rstrip() + "." if length else ""  # "…" is not in the GSM set


def _sms_values(letter: Letter, gettext: Gettext) -> Iterator[dict[str, str]]:
    """Ever shorter values for the SMS: fewer item words, then shorter names, then no name."""
    kinds = list(dict.fromkeys(letter.kinds))
    items = items_text(kinds, gettext)
    few = items if len(kinds) < 2 else f"{items_text(kinds[:1], gettext)} +{len(kinds) - 1}"
    name, association, site = (letter.first_name.strip(), letter.association.strip(),
                               letter.site.strip())
    yield {"name": name, "association": association, "site": site, "items": items}
    yield {"name": _cut(name, 20), "association": association, "site": site, "items": few}
    yield {"name": _cut(name, 12), "association": _cut(association, 32),
           "site": _cut(site, 20), "items": _cut(few, 30)}
    yield {"name": "", "association": _cut(association, 20), "site": _cut(site, 12),
           "items": _cut(few, 20)}


def sms_text(letter: Letter, gettext: Gettext) -> str:
    """The SMS, always one SMS long: long names and places are shortened, never the date."""
    text = ""
    for values in _sms_values(letter, gettext):
        text = _fill(SMS_TEXTS[letter.kind], letter, gettext, **values)
        text = text.replace(" ,", ",")  # no first name left: "Bonjour ," becomes "Bonjour,"
        if len(text) <= SMS_MAX:
            return text
    return _cut(text, SMS_MAX)


def long_text(letter: Letter, gettext: Gettext) -> str:
    """The e-mail or printed letter: a few short paragraphs and the association's signature."""
    paragraphs = [_fill(p, letter, gettext) for p in LONG_TEXTS[letter.kind]]
    paragraphs.append(_fill(SIGNATURE, letter, gettext))
    return "\n\n".join(paragraphs)


def body(letter: Letter, channel: Channel, gettext: Gettext) -> str:
    """The text queued in the outbox for this channel."""
    return sms_text(letter, gettext) if channel is Channel.SMS else long_text(letter, gettext)


def subject(kind: str, gettext: Gettext) -> str:
    """The e-mail subject line of a reminder kind."""
    return gettext(SUBJECTS[ReminderKind(kind)])


# --- reminders asked for at the desk --------------------------------------------------------

KIND_LABELS = {
    ReminderKind.DUE_SOON: N_("before the due date"),
    ReminderKind.OVERDUE: N_("late return"),
    ReminderKind.MANUAL: N_("from the desk"),
}
CHANNEL_LABELS = {
    Channel.SMS: N_("by SMS"),
    Channel.EMAIL: N_("by e-mail"),
    Channel.LETTER: N_("by letter"),
}
STATUS_LABELS = {
    ReminderStatus.PENDING: N_("to send"),
    ReminderStatus.SENT: N_("sent"),
    ReminderStatus.FAILED: N_("failed"),
    ReminderStatus.CANCELLED: N_("called off"),
}


class NotRemindable(Conflict):
    """The loan is closed, not late yet, or has no device out: no reminder to send."""

    CLOSED = N_("This loan is closed: there is nothing to remind.")
    NOT_LATE = N_("This loan is not late (due back on {date}): no reminder to send yet.")
    NOTHING_OUT = N_("No device of this loan is still out: there is nothing to remind.")


class AlreadyReminded(Conflict):
    """The desk already sent this loan's reminder today."""

    message = N_("A reminder was already sent today at {time} for this loan: one a day is "
                 "enough.")


def days_late(due_on: date | None, day: date) -> int:
    """Whole days past the due date on ``day`` (0 while it is not late)."""
    return max(0, (day - due_on).days) if due_on is not None else 0


def check_remindable(status: str, due_on: date | None, devices_out: int, day: date) -> None:
    """A reminder from the desk is for an open loan, late on ``day``, with a device out."""
    if status != "open":
        raise NotRemindable(NotRemindable.CLOSED)
    if due_on is None or days_late(due_on, day) == 0:
        raise NotRemindable(NotRemindable.NOT_LATE,
                            date=due_on.strftime("%d/%m/%Y") if due_on else "—")
    if devices_out == 0:
        raise NotRemindable(NotRemindable.NOTHING_OUT)


def manual_key(reference: str, day: date) -> str:
    """The outbox key of the desk's reminder: one per loan and day."""
    return dedupe_key(reference, ReminderKind.MANUAL, day)


NO_SENDER = "no sender for the {channel} channel"
FAILURES = {
    "no sms address any more": N_("the person no longer has a mobile phone number."),
    "no email address any more": N_("the person no longer has an e-mail address."),
    NO_SENDER.format(channel=Channel.SMS): N_(
        "sending text messages is not set up here. Call the person, or tell the coordinator."),
    NO_SENDER.format(channel=Channel.EMAIL): N_(
        "sending e-mails is not set up here. Call the person, or tell the coordinator."),
}
FAILED_OTHER = N_("the sending service did not take it ({detail}). Try again later, or call "
                  "the person.")


def explain_failure(error: str, gettext: Gettext) -> str:
    """Why a reminder did not leave, in plain words (the technical detail in brackets)."""
    known = FAILURES.get(error.strip())
    if known is not None:
        return gettext(known)
    return gettext(FAILED_OTHER).format(detail=error.strip()[:120] or "?")
