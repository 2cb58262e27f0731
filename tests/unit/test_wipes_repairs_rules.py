"""Wipe and repair rules, over every method, status, outcome and state."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from inventory.domain.errors import InvalidInput
from inventory.domain.lifecycle import (
    TRANSITIONS, WIPE, Family, State, TransitionNeedsUseCase, check_transition,
)
from inventory.domain.repairs import (
    ACTIVE, CLOSED, CLOSINGS, OPEN_FROM_WORKSHOP, OUTCOME_LABELS, STATUS_LABELS,
    CannotOpenRepair, NeedsWipe, Outcome, RepairStatus, TicketClosed, WorkshopOnly, check_minutes,
    check_open, check_part, check_problem, check_status_change, closing_for, ticket_reference,
)
from inventory.domain.wipes import (
    FAILED, FAILED_IN_REPAIR, KEPT_FOR_REPAIR, METHOD_LABELS, RELEASED, WIPEABLE, WipeFacts,
    WipeMethod, certificate_reference, check_method, check_wipe_input, clears_repair,
    outcome_message, releases, wipe_target,
)

OPENED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
BOOLS = (True, False)
DEVICE_STATES = tuple(TRANSITIONS[Family.DEVICE])


def test_every_wipe_method_has_a_label_and_is_accepted():
    assert set(METHOD_LABELS) == set(WipeMethod)
    for method in WipeMethod:
        assert check_method(method.value) is method


def test_an_unknown_wipe_method_is_refused_with_the_accepted_ones():
    with pytest.raises(InvalidInput) as caught:
        check_method("formatage rapide")
    assert "nist_clear" in str(caught.value) and "factory_reset" in str(caught.value)


def test_a_wipe_cannot_be_dated_in_the_future_and_needs_a_tool():
    day = date(2026, 11, 27)
    assert check_wipe_input("  ShredOS / nwipe ", day, day) == "ShredOS / nwipe"
    assert check_wipe_input("Blancco", day - timedelta(days=3), day) == "Blancco"
    with pytest.raises(InvalidInput):
        check_wipe_input("Blancco", day + timedelta(days=1), day)
    with pytest.raises(InvalidInput):
        check_wipe_input("   ", day, day)


@pytest.mark.parametrize("passed,check_passed", list(itertools.product(BOOLS, BOOLS)))
def test_only_a_passed_wipe_and_a_passed_check_release_the_device(passed, check_passed):
    assert releases(passed, check_passed) is (passed and check_passed)


@pytest.mark.parametrize("passed,check_passed,state,ticket",
                         list(itertools.product(BOOLS, BOOLS, DEVICE_STATES, BOOLS)))
def test_where_a_device_goes_after_a_wipe(passed, check_passed, state, ticket):
    target = wipe_target(passed, check_passed, state, ticket)
    if passed and check_passed and not ticket and state in WIPEABLE:
        assert target is State.AVAILABLE
        assert check_transition(Family.DEVICE, state, target, via=WIPE) is State.AVAILABLE
    else:
        assert target is None


@pytest.mark.parametrize("state", WIPEABLE)
def test_the_generic_change_cannot_make_a_wipeable_device_available(state):
    with pytest.raises(TransitionNeedsUseCase):
        check_transition(Family.DEVICE, state, State.AVAILABLE)


@pytest.mark.parametrize("passed,check_passed,state,ticket",
                         list(itertools.product(BOOLS, BOOLS, WIPEABLE, BOOLS)))
def test_the_wipe_message_says_what_became_of_the_device(passed, check_passed, state, ticket):
    message = outcome_message(passed, check_passed, state, ticket)
    if not (passed and check_passed):
        assert message == (FAILED_IN_REPAIR if state == State.IN_REPAIR else FAILED)
    else:
        assert message == (KEPT_FOR_REPAIR if ticket else RELEASED)


@pytest.mark.parametrize("passed,check_passed,later", list(itertools.product(BOOLS, BOOLS, BOOLS)))
def test_a_repair_is_cleared_by_a_releasing_wipe_recorded_after_it_opened(
        passed, check_passed, later):
    at = OPENED + (timedelta(minutes=5) if later else -timedelta(minutes=5))
    assert clears_repair(WipeFacts(passed, check_passed, at), OPENED) is (
        passed and check_passed and later)
    assert clears_repair(None, OPENED) is False


def test_references_are_tags_of_their_own_kind():
    assert certificate_reference(17).startswith("EF-00017-")
    assert ticket_reference(12).startswith("R-00012-")


def test_every_status_and_outcome_has_a_label_and_a_closing():
    assert set(STATUS_LABELS) == set(RepairStatus)
    assert set(OUTCOME_LABELS) == set(Outcome) == set(CLOSINGS)
    assert set(ACTIVE) | set(CLOSED) == set(RepairStatus) and not set(ACTIVE) & set(CLOSED)


@pytest.mark.parametrize("current,new", list(itertools.product(RepairStatus, RepairStatus)))
def test_status_changes_while_working_on_a_ticket(current, new):
    if current in CLOSED:
        with pytest.raises(TicketClosed):
            check_status_change("R-00001-0", current, new)
    elif new in CLOSED:
        with pytest.raises(InvalidInput):
            check_status_change("R-00001-0", current, new)
    else:
        assert check_status_change("R-00001-0", current, new) is new


def test_an_unknown_status_is_refused():
    with pytest.raises(InvalidInput):
        check_status_change("R-00001-0", "open", "lost_in_a_drawer")


@pytest.mark.parametrize("state,workshop", list(itertools.product(DEVICE_STATES, BOOLS)))
def test_where_a_repair_may_start(state, workshop):
    if state == State.RETURNED or (workshop and state in OPEN_FROM_WORKSHOP):
        check_open("ESN-00001-0", state, workshop=workshop)
        assert check_transition(Family.DEVICE, state, State.IN_REPAIR) is State.IN_REPAIR
    elif state in OPEN_FROM_WORKSHOP:
        with pytest.raises(WorkshopOnly):
            check_open("ESN-00001-0", state, workshop=workshop)
    else:
        with pytest.raises(CannotOpenRepair):
            check_open("ESN-00001-0", state, workshop=workshop)


@pytest.mark.parametrize("outcome,wiped", list(itertools.product(Outcome, BOOLS)))
def test_each_outcome_moves_the_device_through_the_lifecycle(outcome, wiped):
    wipe = WipeFacts(True, True, OPENED + timedelta(hours=1)) if wiped else None
    if outcome is Outcome.AVAILABLE and not wiped:
        with pytest.raises(NeedsWipe):
            closing_for(outcome, last_wipe=wipe, opened_at=OPENED)
        return
    closing = closing_for(outcome, last_wipe=wipe, opened_at=OPENED)
    assert check_transition(Family.DEVICE, State.IN_REPAIR, closing.target,
                            via=closing.via) is closing.target
    expected = RepairStatus.DONE if outcome in (Outcome.REFURBISHING, Outcome.AVAILABLE) \
        else RepairStatus.UNREPAIRABLE
    assert closing.status is expected
    if outcome in (Outcome.RECYCLED, Outcome.PARTS):
        assert closing.target is State.RETIRED


def test_closing_to_available_ignores_a_wipe_from_before_the_repair():
    old = WipeFacts(True, True, OPENED - timedelta(days=1))
    with pytest.raises(NeedsWipe):
        closing_for("available", last_wipe=old, opened_at=OPENED)
    with pytest.raises(InvalidInput):
        closing_for("sold", last_wipe=old, opened_at=OPENED)


def test_minutes_parts_and_problem_are_checked():
    assert check_minutes(0) == 0 and check_minutes(90) == 90
    for bad in (-1, 24 * 60 + 1):
        with pytest.raises(InvalidInput):
            check_minutes(bad)
    assert check_part(" Batterie ", 2990) == ("Batterie", 2990)
    for name, cents in (("", 100), ("Écran", -1), ("Écran", 1_000_001)):
        with pytest.raises(InvalidInput):
            check_part(name, cents)
    assert check_problem("  Ne démarre plus ") == "Ne démarre plus"
    with pytest.raises(InvalidInput):
        check_problem(" ")
