"""Repairs: ticket statuses and their changes, where a repair may start, and how it ends.

Pure rules; the repair service applies them in one transaction with the item's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from inventory.domain.errors import Conflict, DomainError, Gettext, InvalidInput, N_
from inventory.domain.lifecycle import STATE_LABELS, WIPE, State
from inventory.domain.tags import encode
from inventory.domain.wipes import WipeFacts, clears_repair

TICKET_PREFIX = "R"  # réparation: tickets read R-00012-4
MAX_MINUTES = 24 * 60  # added at once
MAX_PART_CENTS = 1_000_000
MAX_TEXT = 4000


class RepairStatus(StrEnum):
    OPEN = "open"
    WAITING_PARTS = "waiting_parts"
    DONE = "done"
    UNREPAIRABLE = "unrepairable"


STATUS_LABELS: dict[str, str] = {
    RepairStatus.OPEN: N_("open"),
    RepairStatus.WAITING_PARTS: N_("waiting for parts"),
    RepairStatus.DONE: N_("repaired"),
    RepairStatus.UNREPAIRABLE: N_("unrepairable"),
}

ACTIVE = (RepairStatus.OPEN, RepairStatus.WAITING_PARTS)
CLOSED = (RepairStatus.DONE, RepairStatus.UNREPAIRABLE)

# Changes made while working on a ticket; the closed statuses are reached only by closing.
STATUS_CHANGES: dict[RepairStatus, tuple[RepairStatus, ...]] = {
    RepairStatus.OPEN: (RepairStatus.WAITING_PARTS,),
    RepairStatus.WAITING_PARTS: (RepairStatus.OPEN,),
    RepairStatus.DONE: (),
    RepairStatus.UNREPAIRABLE: (),
}


class Outcome(StrEnum):
    REFURBISHING = "refurbishing"
    AVAILABLE = "available"
    RECYCLED = "recycled"
    PARTS = "parts"


OUTCOME_LABELS: dict[str, str] = {
    Outcome.REFURBISHING: N_("back to refurbishing"),
    Outcome.AVAILABLE: N_("available again"),
    Outcome.RECYCLED: N_("retired, sent to recycling"),
    Outcome.PARTS: N_("retired, kept for parts"),
}


@dataclass(frozen=True, slots=True)
class Closing:
    """What closing a ticket with an outcome does: its status, the item's state, the use case."""

    status: RepairStatus
    target: State
    via: str | None = None


CLOSINGS: dict[Outcome, Closing] = {
    Outcome.REFURBISHING: Closing(RepairStatus.DONE, State.REFURBISHING),
    Outcome.AVAILABLE: Closing(RepairStatus.DONE, State.AVAILABLE, WIPE),
    Outcome.RECYCLED: Closing(RepairStatus.UNREPAIRABLE, State.RETIRED),
    Outcome.PARTS: Closing(RepairStatus.UNREPAIRABLE, State.RETIRED),
}

# Where a repair may start: back from a loan (anyone at the desk), or from the workshop.
OPEN_FROM_RETURN = (State.RETURNED,)
OPEN_FROM_WORKSHOP = (State.RETURNED, State.AVAILABLE, State.REFURBISHING)


class CannotOpenRepair(Conflict):
    """The device is in a state from which no repair starts."""

    def __init__(self, tag: str, state: str) -> None:
        super().__init__(N_("{tag} is {state}: a repair starts from a returned, available or "
                            "refurbishing device."), tag=tag, state=state)

    def render(self, gettext: Gettext) -> str:
        state = self.params["state"]
        return gettext(self.message).format(
            tag=self.params["tag"], state=gettext(STATE_LABELS.get(state, state)))


class WorkshopOnly(DomainError):
    """The front desk opens repairs on returned devices only; the rest is the workshop's."""

    message = N_("At the desk, a repair is opened only for a device just returned; ask the "
                 "workshop for the others.")


class TicketClosed(Conflict):
    def __init__(self, reference: str) -> None:
        super().__init__(N_("Repair ticket {reference} is closed: it can no longer change."),
                         reference=reference)


class AlreadyOpen(Conflict):
    def __init__(self, tag: str, reference: str) -> None:
        super().__init__(N_("{tag} already has an open repair ticket: {reference}."),
                         tag=tag, reference=reference)


class NeedsWipe(Conflict):
    message = N_("A repaired device becomes available only after a passed wipe and check "
                 "recorded since the repair was opened; record the wipe first, or close to "
                 "refurbishing.")


def ticket_reference(ticket_id: int) -> str:
    """The repair ticket's reference, written in the item's history."""
    return encode(TICKET_PREFIX, ticket_id)


def check_open(tag: str, state: str, *, workshop: bool) -> None:
    """Raise unless a repair may start from ``state`` for this kind of person."""
    if state in OPEN_FROM_RETURN:
        return
    if state not in OPEN_FROM_WORKSHOP:
        raise CannotOpenRepair(tag, state)
    if not workshop:
        raise WorkshopOnly()


def check_problem(problem: str) -> str:
    problem = problem.strip()
    if not problem:
        raise InvalidInput(N_("Describe the problem in a few words."))
    return problem[:MAX_TEXT]


def check_status_change(reference: str, current: str, new: str) -> RepairStatus:
    """The new working status, if reachable from ``current`` (closing is a separate step)."""
    now = RepairStatus(current)
    if now in CLOSED:
        raise TicketClosed(reference)
    try:
        target = RepairStatus(new)
    except ValueError:
        raise InvalidInput(N_("Unknown repair status “{status}”."), status=new[:30]) from None
    if target == now:
        return target
    if target in CLOSED:
        raise InvalidInput(N_("A repair is finished by closing it with an outcome."))
    if target not in STATUS_CHANGES[now]:
        raise InvalidInput(N_("Unknown repair status “{status}”."), status=new[:30])
    return target


def check_minutes(minutes: int) -> int:
    if not 0 <= minutes <= MAX_MINUTES:
        raise InvalidInput(N_("Add between 0 and {limit} minutes at a time."), limit=MAX_MINUTES)
    return minutes


def check_part(name: str, cost_cents: int) -> tuple[str, int]:
    name = name.strip()
    if not name:
        raise InvalidInput(N_("Name the part used."))
    if not 0 <= cost_cents <= MAX_PART_CENTS:
        raise InvalidInput(N_("A part costs between 0 and {limit} euros."),
                           limit=MAX_PART_CENTS // 100)
    return name[:120], cost_cents


def closing_for(outcome: str, *, last_wipe: WipeFacts | None, opened_at: datetime) -> Closing:
    """How a ticket closes with ``outcome``; "available" needs a wipe since it was opened."""
    try:
        closing = CLOSINGS[Outcome(outcome)]
    except ValueError:
        raise InvalidInput(N_("Unknown repair outcome “{outcome}”. Accepted: {accepted}."),
                           outcome=outcome[:30],
                           accepted=", ".join(o.value for o in Outcome)) from None
    if closing.via == WIPE and not clears_repair(last_wipe, opened_at):
        raise NeedsWipe()
    return closing
