"""Stocktake (inventaire physique): what a count expects on a site's shelves, how each scan is
classified, and the closing report.

Pure rules; the stocktake service applies them in one transaction per use case.

Items that move during a count: what is expected is frozen when the count starts (the
items recorded at the site, in a state that sits on a shelf). A scan is classified against
that snapshot and the item's record at the moment of the scan. At closing, an expected item
that was not scanned is *missing* only if its record still puts it on a shelf of the site;
if it was lent, transferred or retired meanwhile, it *left* during the count and is reported
apart, with where it is now recorded. Nothing here ever changes an item's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from inventory.domain.errors import Conflict, Gettext, N_
from inventory.domain.lifecycle import STATE_LABELS, Family, State

# States in which an item is in the association's hands, on a shelf or a workbench of its
# site: a count expects to see it there. Lent, issued, lost, stolen, retired, expired or
# depleted items are not expected on a shelf.
SHELF_STATES: dict[Family, frozenset[State]] = {
    Family.DEVICE: frozenset({State.RECEIVED, State.REFURBISHING, State.AVAILABLE,
                              State.RESERVED, State.RETURNED, State.IN_REPAIR}),
    Family.CARD: frozenset({State.IN_STOCK, State.RESERVED}),
}
# Every state that sits on a shelf, whatever the family (for one SQL ``IN`` list).
ANY_SHELF_STATE: tuple[str, ...] = tuple(sorted({s.value for states in SHELF_STATES.values()
                                                 for s in states}))


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


STATUS_LABELS: dict[str, str] = {
    Status.OPEN: N_("in progress"),
    Status.CLOSED: N_("closed"),
    Status.CANCELLED: N_("cancelled, no report"),
}


class Outcome(StrEnum):
    """What one scan says about the item scanned."""

    FOUND = "found"  # expected here and now seen
    ARRIVED = "arrived"  # recorded here on a shelf, but only since the count started
    OTHER_SITE = "other_site"  # on a shelf, but recorded at another site
    NOT_IN_STOCK = "not_in_stock"  # recorded as lent, issued, lost, stolen, retired…
    DUPLICATE = "duplicate"  # scanned already in this count: counted once (never stored)


OUTCOME_LABELS: dict[str, str] = {
    Outcome.FOUND: N_("found"),
    Outcome.ARRIVED: N_("recorded here since the count started"),
    Outcome.OTHER_SITE: N_("recorded at another site"),
    Outcome.NOT_IN_STOCK: N_("should not be on a shelf"),
    Outcome.DUPLICATE: N_("already scanned"),
}
# What a volunteer sees and hears: success, or "look at this one".
OUTCOME_OK: frozenset[Outcome] = frozenset({Outcome.FOUND, Outcome.ARRIVED, Outcome.DUPLICATE})
# Outcomes listed as unexpected in the report (stored scans that were not expected).
UNEXPECTED: tuple[Outcome, ...] = (Outcome.ARRIVED, Outcome.OTHER_SITE, Outcome.NOT_IN_STOCK)


class Result(StrEnum):
    """What became of one expected item when the count closed."""

    FOUND = "found"
    MISSING = "missing"  # still recorded on a shelf here, and not seen
    LEFT = "left"  # not seen, but lent, moved or retired during the count


RESULT_LABELS: dict[str, str] = {
    Result.FOUND: N_("found"),
    Result.MISSING: N_("missing"),
    Result.LEFT: N_("left during the count"),
}


@dataclass(frozen=True, slots=True)
class Record:
    """An item as the database records it: which family, state and site."""

    item_id: int
    family: Family
    state: State
    site_id: int


def on_shelf(family: str, state: str) -> bool:
    """Whether an item in ``state`` is expected on a shelf of its site."""
    return State(state) in SHELF_STATES[Family(family)]


def expected_at(site_id: int, records: Iterable[Record]) -> frozenset[int]:
    """The items a count at ``site_id`` expects: recorded there, in a shelf state."""
    return frozenset(r.item_id for r in records
                     if r.site_id == site_id and on_shelf(r.family, r.state))


def classify(record: Record, *, site_id: int, expected: bool, already_scanned: bool) -> Outcome:
    """What a scan of ``record`` during a count at ``site_id`` means.

    A state that does not belong on a shelf is named first: a lent laptop on the shelf
    matters more than the site it was lent from."""
    if already_scanned:
        return Outcome.DUPLICATE
    if expected:
        return Outcome.FOUND
    if not on_shelf(record.family, record.state):
        return Outcome.NOT_IN_STOCK
    if record.site_id != site_id:
        return Outcome.OTHER_SITE
    return Outcome.ARRIVED


def settle(expected: frozenset[int], scanned: frozenset[int], site_id: int,
           now: Mapping[int, Record]) -> dict[int, Result]:
    """The result of each expected item at closing; ``now`` holds the current records (an
    item without one is missing: it cannot have left)."""
    results: dict[int, Result] = {}
    for item_id in expected:
        if item_id in scanned:
            results[item_id] = Result.FOUND
            continue
        record = now.get(item_id)
        still_here = record is None or (record.site_id == site_id
                                        and on_shelf(record.family, record.state))
        results[item_id] = Result.MISSING if still_here else Result.LEFT
    return results


@dataclass(frozen=True, slots=True)
class Report:
    """A count's outcome: expected items found, missing or gone, and unexpected scans."""

    found: frozenset[int]
    missing: frozenset[int]
    left: frozenset[int]
    unexpected: Mapping[int, Outcome]

    @property
    def expected(self) -> frozenset[int]:
        return self.found | self.missing | self.left


def report(expected: frozenset[int], scans: Mapping[int, Outcome], site_id: int,
           now: Mapping[int, Record]) -> Report:
    """The closing report from the snapshot, the stored scans (item → outcome) and the
    current records."""
    results = settle(expected, frozenset(scans), site_id, now)
    return Report(
        found=frozenset(i for i, r in results.items() if r is Result.FOUND),
        missing=frozenset(i for i, r in results.items() if r is Result.MISSING),
        left=frozenset(i for i, r in results.items() if r is Result.LEFT),
        unexpected={i: o for i, o in scans.items() if i not in expected},
    )


def replay(expected: frozenset[int], site_id: int, records: Mapping[int, Record],
           scanned: Iterable[int]) -> tuple[list[Outcome], dict[int, Outcome]]:
    """Scan items one after another: each scan's outcome, and the scans kept (first of each
    item); what the service does, without a database."""
    outcomes: list[Outcome] = []
    kept: dict[int, Outcome] = {}
    for item_id in scanned:
        outcome = classify(records[item_id], site_id=site_id, expected=item_id in expected,
                           already_scanned=item_id in kept)
        outcomes.append(outcome)
        if outcome is not Outcome.DUPLICATE:
            kept[item_id] = outcome
    return outcomes, kept


def explain(outcome: str, state: str | None, site_code: str | None, gettext: Gettext) -> str:
    """One line for a scan or an unexpected item: what it is and where it is recorded."""
    label = gettext(OUTCOME_LABELS[outcome])
    if outcome == Outcome.NOT_IN_STOCK and state:
        return gettext(N_("recorded as {state} (site {site})")).format(
            state=gettext(STATE_LABELS.get(state, state)), site=site_code or "?")
    if outcome == Outcome.OTHER_SITE:
        return gettext(N_("recorded at site {site}")).format(site=site_code or "?")
    return label


class CountNotOpen(Conflict):
    """Scanning into, closing or cancelling a count that is over."""

    def __init__(self, status: str) -> None:
        super().__init__(N_("This count is {status}: it can no longer change."), status=status)

    def render(self, gettext: Gettext) -> str:
        status = self.params["status"]
        return gettext(self.message).format(status=gettext(STATUS_LABELS.get(status, status)))


class AlreadyCounting(Conflict):
    def __init__(self, site: str) -> None:
        super().__init__(N_("A count is already in progress at site {site}: continue it, or "
                            "close or cancel it first."), site=site)


class OtherSite(Conflict):
    message = N_("You can start, close or cancel a count only at your own site; ask a "
                 "coordinator for another site.")


def check_open(status: str) -> None:
    """Refuse any change to a closed or cancelled count."""
    if status != Status.OPEN:
        raise CountNotOpen(status)


def check_site(*, manages: bool, own_site: int | None, site_id: int) -> None:
    """Managers count anywhere; everyone else at their own site."""
    if not manages and own_site != site_id:
        raise OtherSite()
