"""Waiting list and transfers: who comes first, how long people wait, what may move site.

Pure rules. The longest-waiting person with a valid decision covering the kind is proposed
first; someone not eligible today keeps their place and is skipped, with the reason why.
An item moves to another site only while it is in the association's hands.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from inventory.domain.days import local_day
from inventory.domain.decisions import DecisionSummary, NoValidDecision, require_valid_decision
from inventory.domain.errors import Conflict, Gettext, N_
from inventory.domain.lifecycle import STATE_LABELS, Family, Kind, State



class WaitingStatus(StrEnum):
    WAITING = "waiting"
    PROPOSED = "proposed"
    SERVED = "served"
    CANCELLED = "cancelled"


# An entry is open while the person still waits or an item is set aside for them.
OPEN_STATUSES = (WaitingStatus.WAITING, WaitingStatus.PROPOSED)

WAITING_STATUS_LABELS: dict[str, str] = {
    WaitingStatus.WAITING: N_("waiting"),
    WaitingStatus.PROPOSED: N_("item proposed"),
    WaitingStatus.SERVED: N_("served"),
    WaitingStatus.CANCELLED: N_("cancelled"),
}

# The state an item must be in to be proposed (it then becomes "reserved").
PROPOSABLE: dict[Family, State] = {Family.DEVICE: State.AVAILABLE, Family.CARD: State.IN_STOCK}

# States in which an item is in the association's hands and may change site.
TRANSFERABLE = frozenset({
    State.RECEIVED, State.REFURBISHING, State.AVAILABLE, State.RETURNED, State.IN_REPAIR,
    State.IN_STOCK,
})


# --- wait times -------------------------------------------------------------------------

def wait_days(since: datetime, until: date) -> int:
    """Whole days waited from ``since`` to the day ``until`` (0 on the first day)."""
    return max(0, (until - local_day(since)).days)


@dataclass(frozen=True, slots=True)
class WaitStats:
    """Figures for reports: how many wait, the longest and average current wait, and the
    average wait of the people served."""

    waiting: int
    longest_days: int
    average_days: Decimal
    served: int
    served_average_days: Decimal


def _average(values: Sequence[int]) -> Decimal:
    if not values:
        return Decimal("0.0")
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def wait_stats(current: Sequence[int], served: Sequence[int]) -> WaitStats:
    """Report figures from the current waits and the waits of served entries (in days)."""
    return WaitStats(waiting=len(current), longest_days=max(current, default=0),
                     average_days=_average(current), served=len(served),
                     served_average_days=_average(served))


# --- who comes first --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Candidate:
    """A waiting entry with what the choice needs: its age and the person's decisions."""

    entry_id: int
    since: datetime
    decisions: tuple[DecisionSummary, ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    candidate: Candidate
    reason: NoValidDecision


@dataclass(frozen=True, slots=True)
class Choice:
    """The person to propose the item to (None: nobody eligible) and those passed over."""

    chosen: Candidate | None
    skipped: tuple[Skipped, ...]


def queue_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    """First come, first served: by the moment they were put on the list, then by entry."""
    return sorted(candidates, key=lambda c: (c.since, c.entry_id))


def next_eligible(candidates: Iterable[Candidate], kind: Kind, day: date) -> Choice:
    """The longest-waiting person with a valid decision covering ``kind`` on ``day``."""
    skipped = []
    for candidate in queue_order(candidates):
        try:
            require_valid_decision(candidate.decisions, [Kind(kind)], day)
        except NoValidDecision as reason:
            skipped.append(Skipped(candidate, reason))
            continue
        return Choice(candidate, tuple(skipped))
    return Choice(None, tuple(skipped))


# --- transfers --------------------------------------------------------------------------

class NotTransferable(Conflict):
    """The item is with a person, gone or set aside: it cannot change site now."""

    def __init__(self, tag: str, state: str) -> None:
        super().__init__(N_("{tag} cannot be moved to another site: it is {state}. Only an "
                            "item in the association's hands (not lent, reserved, lost or "
                            "retired) can be transferred."), tag=tag, state=state)

    def render(self, gettext: Gettext) -> str:
        state = self.params["state"]
        return gettext(self.message).format(
            tag=self.params["tag"], state=gettext(STATE_LABELS.get(state, state)))


def check_transferable(tag: str, state: str) -> None:
    """Refuse a transfer of an item that is lent, issued, reserved, lost, stolen or retired."""
    if state not in TRANSFERABLE:
        raise NotTransferable(tag, state)
