"""Loans: what a check-out hands over, what a return brings back, and what is owed.

Pure rules; the loan service applies them inside one transaction. A device is lent (it
becomes "on loan" and comes back); a connection card is handed over (it becomes "issued").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum

from inventory.domain.errors import Conflict, Gettext, InvalidInput, N_
from inventory.domain.lifecycle import HANDOVER, LOAN, STATE_LABELS, Family, State
from inventory.domain.loan_policy import DepositForm
from inventory.domain.tags import encode

LOAN_PREFIX = "P"  # prêt: references read P-00042-7
MAX_ITEMS = 10
MAX_DEPOSIT_CENTS = 100_000


class LineOutcome(StrEnum):
    RETURNED = "returned"
    LOST = "lost"
    STOLEN = "stolen"
    EXPIRED = "expired"  # a card past its date: the person no longer holds a usable card


class NotLendable(Conflict):
    """The item is not ready to leave: it is on loan, in repair, not refurbished yet…"""

    def __init__(self, tag: str, state: str) -> None:
        super().__init__(N_("{tag} cannot be lent: it is {state}."), tag=tag, state=state)

    def render(self, gettext: Gettext) -> str:
        state = self.params["state"]
        return gettext(self.message).format(
            tag=self.params["tag"], state=gettext(STATE_LABELS.get(state, state)))


def loan_reference(counter: int) -> str:
    """The agreement reference printed on the loan agreement."""
    return encode(LOAN_PREFIX, counter)


def handover_target(family: Family) -> tuple[State, str]:
    """The state an item reaches when it leaves with a person, and the use case that owns it."""
    return (State.ON_LOAN, LOAN) if family == Family.DEVICE else (State.ISSUED, HANDOVER)


def check_item_count(tags: Sequence[str]) -> None:
    if not tags:
        raise InvalidInput(N_("Scan at least one item to lend."))
    if len(tags) > MAX_ITEMS:
        raise InvalidInput(N_("At most {limit} items in one loan."), limit=MAX_ITEMS)
    if len(set(tags)) != len(tags):
        raise InvalidInput(N_("The same item was scanned twice."))


def check_accessories(tag: str, expected: Iterable[str], handed: Iterable[str]) -> list[str]:
    """The accessories ticked must be among the item's own; returned in the item's order."""
    expected, handed = list(expected), list(handed)
    unknown = sorted(set(handed) - set(expected))
    if unknown:
        raise InvalidInput(N_("{tag} does not come with: {unknown}. Its accessories: {known}."),
                           tag=tag, unknown=", ".join(unknown),
                           known=", ".join(expected) or "—")
    return [a for a in expected if a in set(handed)]


def missing_accessories(handed_out: Iterable[str], brought_back: Iterable[str]) -> list[str]:
    """What left with the item and did not come back."""
    back = set(brought_back)
    return [a for a in handed_out if a not in back]


def check_deposit(amount_cents: int | None, form: str | None) -> tuple[int | None, str | None]:
    """A deposit has both an amount and a form, or neither; waived means no amount."""
    if amount_cents is None and form is None:
        return None, None
    try:
        deposit_form = DepositForm(form) if form is not None else None
    except ValueError:
        raise InvalidInput(N_("Unknown form of deposit “{value}”; known: {known}."),
                           value=str(form)[:30],
                           known=", ".join(f.value for f in DepositForm)) from None
    if deposit_form is DepositForm.WAIVED:
        return None, deposit_form.value
    if deposit_form is None or amount_cents is None:
        raise InvalidInput(N_("A deposit needs both an amount and a form (cheque, cash or "
                              "waived)."))
    if not 0 < amount_cents <= MAX_DEPOSIT_CENTS:
        raise InvalidInput(N_("The deposit must be between 0.01 € and {max} €."),
                           max=MAX_DEPOSIT_CENTS // 100)
    return amount_cents, deposit_form.value


def is_overdue(due_on: date | None, today: date) -> bool:
    """Overdue from the day after the due date."""
    return due_on is not None and today > due_on
