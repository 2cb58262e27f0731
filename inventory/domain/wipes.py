"""Data wipes: the accepted methods, and when a wipe lets a device be lent again.

Pure rules; the wipe service records every wipe (passed or not) and moves the device to
"available" through the lifecycle's WIPE use case only when ``releases`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from inventory.domain.errors import Conflict, Gettext, InvalidInput, N_
from inventory.domain.lifecycle import STATE_LABELS, State
from inventory.domain.tags import encode

CERTIFICATE_PREFIX = "EF"  # effacement: certificates read EF-00017-3
MAX_TOOL = 120
MAX_NOTES = 2000


class WipeMethod(StrEnum):
    NIST_CLEAR = "nist_clear"
    NIST_PURGE = "nist_purge"
    DESTROY_MEDIA = "destroy_media"
    FACTORY_RESET = "factory_reset"


METHOD_LABELS: dict[str, str] = {
    WipeMethod.NIST_CLEAR: N_("NIST 800-88 Clear wipe"),
    WipeMethod.NIST_PURGE: N_("NIST 800-88 Purge wipe"),
    WipeMethod.DESTROY_MEDIA: N_("storage media destroyed"),
    WipeMethod.FACTORY_RESET: N_("factory reset (phones and tablets)"),
}

# States a wipe may be recorded in: back from a loan, or in the workshop.
WIPEABLE = (State.RETURNED, State.IN_REPAIR)


@dataclass(frozen=True, slots=True)
class WipeFacts:
    """What the rules need to know of one recorded wipe."""

    passed: bool
    check_passed: bool
    recorded_at: datetime


class NotWipeable(Conflict):
    """A wipe is recorded only for a device back from a loan or in repair."""

    def __init__(self, tag: str, state: str) -> None:
        super().__init__(N_("{tag} is {state}: a wipe is recorded only for a returned "
                            "device or one in repair."), tag=tag, state=state)

    def render(self, gettext: Gettext) -> str:
        state = self.params["state"]
        return gettext(self.message).format(
            tag=self.params["tag"], state=gettext(STATE_LABELS.get(state, state)))


def check_method(method: str) -> WipeMethod:
    """The method as an enum member, or InvalidInput naming the accepted ones."""
    try:
        return WipeMethod(method)
    except ValueError:
        raise InvalidInput(N_("Unknown wipe method “{method}”. Accepted: {accepted}."),
                           method=method[:40],
                           accepted=", ".join(m.value for m in WipeMethod)) from None


def check_wipe_input(tool: str, wiped_on: date, today: date) -> str:
    """The tool name, stripped; the wipe date cannot be in the future."""
    if wiped_on > today:
        raise InvalidInput(N_("The wipe date cannot be in the future."))
    tool = tool.strip()
    if not tool:
        raise InvalidInput(N_("Name the wipe tool (for example ShredOS / nwipe, Blancco)."))
    return tool[:MAX_TOOL]


def releases(passed: bool, check_passed: bool) -> bool:
    """A device may be lent again only if the wipe passed and the quick check passed too."""
    return passed and check_passed


def clears_repair(wipe: WipeFacts | None, opened_at: datetime) -> bool:
    """A repaired device goes back to "available" only with a releasing wipe recorded after
    its ticket was opened."""
    return (wipe is not None and releases(wipe.passed, wipe.check_passed)
            and wipe.recorded_at >= opened_at)


def certificate_reference(wipe_id: int) -> str:
    """The reference printed on the wipe certificate."""
    return encode(CERTIFICATE_PREFIX, wipe_id)


# What the person recording a wipe is told.
RELEASED = N_("Wipe recorded: {tag} is available again.")
KEPT_FOR_REPAIR = N_("Wipe recorded: close the repair ticket of {tag} to make it available.")
FAILED = N_("The wipe or the check failed: {tag} stays to wipe. Wipe it again or send it to "
            "repair.")
FAILED_IN_REPAIR = N_("The wipe or the check failed: {tag} stays in repair. Wipe it again "
                      "before closing the ticket.")


def outcome_message(passed: bool, check_passed: bool, state: str, has_open_ticket: bool) -> str:
    """The message id telling what became of the device after a wipe was recorded."""
    if not releases(passed, check_passed):
        return FAILED_IN_REPAIR if state == State.IN_REPAIR else FAILED
    return KEPT_FOR_REPAIR if has_open_ticket else RELEASED


def wipe_target(passed: bool, check_passed: bool, state: str,
                has_open_ticket: bool) -> State | None:
    """The state a device moves to after a wipe (through WIPE), or None if it stays put."""
    if releases(passed, check_passed) and not has_open_ticket and state in WIPEABLE:
        return State.AVAILABLE
    return None
