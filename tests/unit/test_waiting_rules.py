"""Waiting-list rules: first come first served among the eligible, wait days, report figures,
and which items may change site."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from inventory.domain.decisions import DecisionSummary
from inventory.domain.lifecycle import Kind, State
from inventory.domain.waiting import (
    TRANSFERABLE, Candidate, NotTransferable, check_transferable, next_eligible, queue_order,
    wait_days, wait_stats,
)
from inventory.i18n import gettext_for

FRENCH = gettext_for("fr")

TODAY = date(2026, 12, 1)
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def decision(covers=("laptop",), eligible=True, valid_until=date(2027, 6, 1), revoked=False,
             decided_on=date(2026, 9, 1), ident=1):
    return DecisionSummary(id=ident, eligible=eligible, covers=frozenset(Kind(k) for k in covers),
                           decided_on=decided_on, valid_until=valid_until, revoked=revoked)


def candidate(entry_id, days_after_t0=0, *decisions):
    return Candidate(entry_id=entry_id, since=T0 + timedelta(days=days_after_t0),
                     decisions=tuple(decisions))


def test_the_queue_is_first_come_first_served_then_by_entry_number():
    late, early, tie = candidate(1, 5), candidate(2, 0), candidate(3, 5)
    assert [c.entry_id for c in queue_order([late, tie, early])] == [2, 1, 3]


def test_the_longest_waiting_eligible_person_is_chosen():
    first, second = candidate(7, 0, decision()), candidate(8, 3, decision())
    choice = next_eligible([second, first], Kind.LAPTOP, TODAY)
    assert choice.chosen == first and choice.skipped == ()


def test_people_not_eligible_today_are_skipped_with_the_reason():
    nobody = candidate(1, 0)
    expired = candidate(2, 1, decision(valid_until=date(2026, 11, 1)))
    tablet_only = candidate(3, 2, decision(covers=("tablet",)))
    eligible = candidate(4, 3, decision())
    choice = next_eligible([eligible, tablet_only, expired, nobody], Kind.LAPTOP, TODAY)
    assert choice.chosen == eligible
    reasons = {s.candidate.entry_id: s.reason.render(FRENCH) for s in choice.skipped}
    assert list(reasons) == [1, 2, 3]
    assert "Aucune décision" in reasons[1]
    assert "a expiré le 01/11/2026" in reasons[2]
    assert "ne couvre pas" in reasons[3] and "ordinateur portable" in reasons[3]


def test_nobody_is_chosen_when_no_one_is_eligible():
    choice = next_eligible([candidate(1, 0, decision(revoked=True))], Kind.LAPTOP, TODAY)
    assert choice.chosen is None and len(choice.skipped) == 1


def test_wait_days_count_french_calendar_days():
    # 23:30 UTC on 30 November is already 1 December in Paris: no day waited yet.
    assert wait_days(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), TODAY) == 0
    assert wait_days(datetime(2026, 11, 30, 12, 0, tzinfo=UTC), TODAY) == 1
    assert wait_days(datetime(2026, 11, 1, 12, 0), TODAY) == 30  # naive: UTC
    assert wait_days(datetime(2026, 12, 5, 12, 0, tzinfo=UTC), TODAY) == 0


def test_report_figures_give_longest_and_average_waits():
    stats = wait_stats([3, 10, 4], [20, 25])
    assert (stats.waiting, stats.longest_days, stats.average_days) == (3, 10, Decimal("5.7"))
    assert (stats.served, stats.served_average_days) == (2, Decimal("22.5"))
    empty = wait_stats([], [])
    assert (empty.waiting, empty.longest_days, empty.average_days) == (0, 0, Decimal("0.0"))


@pytest.mark.parametrize("state", sorted(TRANSFERABLE))
def test_items_in_the_associations_hands_can_change_site(state):
    check_transferable("ESN-00001-8", state)


@pytest.mark.parametrize("state", [State.ON_LOAN, State.ISSUED, State.ACTIVATED, State.LOST,
                                   State.STOLEN, State.RETIRED, State.RESERVED])
def test_items_lent_reserved_gone_or_retired_cannot_change_site(state):
    with pytest.raises(NotTransferable) as caught:
        check_transferable("ESN-00001-8", state)
    assert "ESN-00001-8" in caught.value.render(lambda s: s)
