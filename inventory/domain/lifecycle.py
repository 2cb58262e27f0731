"""Item lifecycle: the one table of allowed state changes, for devices and connection cards.

Nothing changes an item's state except ``check_transition``; the services write a history
event in the same transaction as every change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from inventory.domain.errors import DomainError, Gettext, N_


class Family(StrEnum):
    DEVICE = "device"
    CARD = "card"


class Kind(StrEnum):
    LAPTOP = "laptop"
    DESKTOP = "desktop"
    TABLET = "tablet"
    SMARTPHONE = "smartphone"
    HOTSPOT = "hotspot"
    SIM = "sim"
    DATA_CARD = "data_card"


KIND_FAMILY: dict[Kind, Family] = {
    Kind.LAPTOP: Family.DEVICE,
    Kind.DESKTOP: Family.DEVICE,
    Kind.TABLET: Family.DEVICE,
    Kind.SMARTPHONE: Family.DEVICE,
    Kind.HOTSPOT: Family.DEVICE,
    Kind.SIM: Family.CARD,
    Kind.DATA_CARD: Family.CARD,
}


class State(StrEnum):
    # devices
    RECEIVED = "received"
    REFURBISHING = "refurbishing"
    AVAILABLE = "available"
    RESERVED = "reserved"
    ON_LOAN = "on_loan"
    RETURNED = "returned"
    IN_REPAIR = "in_repair"
    LOST = "lost"
    STOLEN = "stolen"
    RETIRED = "retired"
    # connection cards
    IN_STOCK = "in_stock"
    ISSUED = "issued"
    ACTIVATED = "activated"
    EXPIRED = "expired"
    DEPLETED = "depleted"


STATE_LABELS: dict[str, str] = {
    State.RECEIVED: N_("received"),
    State.REFURBISHING: N_("refurbishing"),
    State.AVAILABLE: N_("available"),
    State.RESERVED: N_("reserved"),
    State.ON_LOAN: N_("on loan"),
    State.RETURNED: N_("returned, to wipe"),
    State.IN_REPAIR: N_("in repair"),
    State.LOST: N_("lost"),
    State.STOLEN: N_("stolen"),
    State.RETIRED: N_("retired"),
    State.IN_STOCK: N_("in stock"),
    State.ISSUED: N_("issued"),
    State.ACTIVATED: N_("activated"),
    State.EXPIRED: N_("expired"),
    State.DEPLETED: N_("depleted"),
}

# Colour of each state on screens and labels (name of a CSS class).
STATE_TONES: dict[str, str] = {
    State.RECEIVED: "neutral",
    State.REFURBISHING: "work",
    State.AVAILABLE: "ok",
    State.RESERVED: "info",
    State.ON_LOAN: "info",
    State.RETURNED: "work",
    State.IN_REPAIR: "work",
    State.LOST: "bad",
    State.STOLEN: "bad",
    State.RETIRED: "neutral",
    State.IN_STOCK: "ok",
    State.ISSUED: "info",
    State.ACTIVATED: "info",
    State.EXPIRED: "neutral",
    State.DEPLETED: "neutral",
}

INITIAL_STATE: dict[Family, State] = {Family.DEVICE: State.RECEIVED, Family.CARD: State.IN_STOCK}

# Use cases that own some changes: the generic "change state" action refuses them, so that
# for example no device is ever "on loan" without a loan, or "available" again without a wipe.
LOAN = N_("a loan check-out")
RETURN = N_("a loan return")
WIPE = N_("a recorded data wipe")
LOSS = N_("a loss or theft declaration on the loan")
HANDOVER = N_("a card handover")


@dataclass(frozen=True, slots=True)
class Move:
    """One allowed change; ``via`` names the use case that owns it, if any."""

    target: State
    via: str | None = None


def _moves(*moves: State | Move) -> tuple[Move, ...]:
    return tuple(m if isinstance(m, Move) else Move(m) for m in moves)


S = State
TRANSITIONS: dict[Family, dict[State, tuple[Move, ...]]] = {
    Family.DEVICE: {
        S.RECEIVED: _moves(S.REFURBISHING, S.RETIRED),
        S.REFURBISHING: _moves(S.AVAILABLE, S.IN_REPAIR, S.RETIRED),
        S.AVAILABLE: _moves(S.RESERVED, Move(S.ON_LOAN, LOAN), S.REFURBISHING, S.IN_REPAIR,
                            S.RETIRED),
        S.RESERVED: _moves(S.AVAILABLE, Move(S.ON_LOAN, LOAN), S.RETIRED),
        S.ON_LOAN: _moves(Move(S.RETURNED, RETURN), Move(S.LOST, LOSS), Move(S.STOLEN, LOSS)),
        S.RETURNED: _moves(Move(S.AVAILABLE, WIPE), S.IN_REPAIR, S.RETIRED),
        S.IN_REPAIR: _moves(S.REFURBISHING, Move(S.AVAILABLE, WIPE), S.RETIRED),
        # Found again: it comes back as returned, so it is wiped before anyone else gets it.
        S.LOST: _moves(S.RETURNED, S.RETIRED),
        S.STOLEN: _moves(S.RETURNED, S.RETIRED),
        S.RETIRED: (),
    },
    Family.CARD: {
        S.IN_STOCK: _moves(S.RESERVED, Move(S.ISSUED, HANDOVER), S.EXPIRED, S.RETIRED),
        S.RESERVED: _moves(S.IN_STOCK, Move(S.ISSUED, HANDOVER), S.EXPIRED, S.RETIRED),
        S.ISSUED: _moves(S.ACTIVATED, S.IN_STOCK, S.EXPIRED, S.DEPLETED, S.RETIRED),
        S.ACTIVATED: _moves(S.IN_STOCK, S.EXPIRED, S.DEPLETED, S.RETIRED),
        # A top-up brings a depleted card back to life.
        S.DEPLETED: _moves(S.ACTIVATED, S.RETIRED),
        S.EXPIRED: (),
        S.RETIRED: (),
    },
}


class IllegalTransition(DomainError):
    """The requested state change is not in the lifecycle table."""

    def __init__(self, current: str, target: str, allowed: Iterable[str]) -> None:
        self.current, self.target, self.allowed = current, target, tuple(allowed)
        super().__init__(
            N_("Cannot go from “{current}” to “{target}”. Allowed from “{current}”: {allowed}."),
            current=current,
            target=target,
            allowed=", ".join(self.allowed),
        )

    def render(self, gettext: Gettext) -> str:
        names = [gettext(STATE_LABELS[s]) for s in self.allowed]
        return gettext(self.message).format(
            current=gettext(STATE_LABELS.get(self.current, self.current)),
            target=gettext(STATE_LABELS.get(self.target, self.target)),
            allowed=", ".join(names) if names else gettext(N_("nothing (final state)")),
        )


class TransitionNeedsUseCase(IllegalTransition):
    """The change exists but belongs to a use case (loan, return, wipe…), not to a bare edit."""

    def __init__(self, current: str, target: str, use_case: str) -> None:
        super().__init__(current, target, ())
        self.use_case = use_case
        self.message = N_("“{target}” is reached only through {use_case}.")

    def render(self, gettext: Gettext) -> str:
        return gettext(self.message).format(
            target=gettext(STATE_LABELS[self.target]), use_case=gettext(self.use_case)
        )


def states_of(family: Family) -> tuple[State, ...]:
    """Every state an item of this family can be in."""
    return tuple(TRANSITIONS[family])


def is_terminal(family: Family, state: State) -> bool:
    return not TRANSITIONS[family][state]


def allowed_moves(family: Family, current: str, *, via: str | None = None) -> tuple[State, ...]:
    """States reachable now: the free ones, plus those owned by ``via`` if given."""
    moves = TRANSITIONS[Family(family)].get(State(current), ())
    return tuple(m.target for m in moves if m.via is None or m.via == via)


def check_transition(family: Family, current: str, target: str, *, via: str | None = None) -> State:
    """Return ``target`` as a State if the change is allowed, else raise IllegalTransition."""
    family = Family(family)
    table = TRANSITIONS[family]
    try:
        current_state = State(current)
        target_state = State(target)
    except ValueError:
        raise IllegalTransition(current, target, allowed_moves(family, current)) from None
    moves = table.get(current_state)
    if moves is None or target_state not in table:
        raise IllegalTransition(current, target, allowed_moves(family, current))
    for move in moves:
        if move.target == target_state:
            if move.via is not None and move.via != via:
                raise TransitionNeedsUseCase(current, target, move.via)
            return target_state
    raise IllegalTransition(current, target, allowed_moves(family, current, via=via))


EVENT_LABELS: dict[str, str] = {
    "created": N_("registered"),
    "updated": N_("details edited"),
    "transition": N_("state changed"),
    "voucher_revealed": N_("voucher code read"),
    "wipe_recorded": N_("data wipe recorded"),
    "repair_updated": N_("repair ticket updated"),
    "repair_part_added": N_("repair part added"),
    "topped_up": N_("topped up"),
    "transfer": N_("moved to another site"),
    "stocktake_missing": N_("not found at a stocktake"),
    "renewed": N_("loan renewed"),
}
