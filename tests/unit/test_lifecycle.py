"""The lifecycle table: every (state, target) pair of each family is allowed or refused."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.lifecycle import (
    HANDOVER, LOAN, LOSS, RETURN, TRANSITIONS, WIPE, Family, IllegalTransition, State,
    TransitionNeedsUseCase, allowed_moves, check_transition, is_terminal, states_of,
)

FREE = {
    Family.DEVICE: {
        "received": {"refurbishing", "retired"},
        "refurbishing": {"available", "in_repair", "retired"},
        "available": {"reserved", "refurbishing", "in_repair", "retired"},
        "reserved": {"available", "retired"},
        "on_loan": set(),
        "returned": {"in_repair", "retired"},
        "in_repair": {"refurbishing", "retired"},
        "lost": {"returned", "retired"},
        "stolen": {"returned", "retired"},
        "retired": set(),
    },
    Family.CARD: {
        "in_stock": {"reserved", "expired", "retired"},
        "reserved": {"in_stock", "expired", "retired"},
        "issued": {"activated", "in_stock", "expired", "depleted", "retired"},
        "activated": {"in_stock", "expired", "depleted", "retired"},
        "depleted": {"activated", "retired"},
        "expired": set(),
        "retired": set(),
    },
}
OWNED = {
    Family.DEVICE: {
        ("available", "on_loan"): LOAN, ("reserved", "on_loan"): LOAN,
        ("on_loan", "returned"): RETURN, ("on_loan", "lost"): LOSS, ("on_loan", "stolen"): LOSS,
        ("returned", "available"): WIPE, ("in_repair", "available"): WIPE,
    },
    Family.CARD: {("in_stock", "issued"): HANDOVER, ("reserved", "issued"): HANDOVER},
}
ALL_PAIRS = [
    (family, current, target)
    for family in Family
    for current, target in itertools.product(states_of(family), list(State))
]


@pytest.mark.parametrize(("family", "current", "target"), ALL_PAIRS,
                         ids=[f"{f}:{c}->{t}" for f, c, t in ALL_PAIRS])
def test_every_state_pair_is_allowed_owned_or_refused(family, current, target):
    owner = OWNED[family].get((current, target))
    if target in FREE[family][current]:
        assert check_transition(family, current, target) == target
    elif owner is not None:
        with pytest.raises(TransitionNeedsUseCase) as refused:
            check_transition(family, current, target)
        assert refused.value.use_case == owner
        assert check_transition(family, current, target, via=owner) == target
    else:
        with pytest.raises(IllegalTransition) as refused:
            check_transition(family, current, target, via=LOAN)
        assert set(refused.value.allowed) <= set(TRANSITIONS[family][State(current)] and
                                                 [m.target for m in TRANSITIONS[family][State(current)]])


def test_the_table_names_only_states_of_the_same_family():
    for family, table in TRANSITIONS.items():
        for moves in table.values():
            assert {m.target for m in moves} <= set(table)


def test_a_device_is_never_available_again_after_a_return_without_a_wipe():
    with pytest.raises(TransitionNeedsUseCase):
        check_transition(Family.DEVICE, "returned", "available")
    assert "available" not in allowed_moves(Family.DEVICE, "returned")


def test_a_found_device_comes_back_as_returned_so_it_is_wiped_first():
    assert check_transition(Family.DEVICE, "lost", "returned") == "returned"


def test_retired_and_expired_are_final():
    assert is_terminal(Family.DEVICE, State.RETIRED)
    assert is_terminal(Family.CARD, State.EXPIRED)
    assert not is_terminal(Family.DEVICE, State.ON_LOAN)


def test_the_refusal_says_in_french_what_is_allowed():
    from inventory.i18n import gettext_for

    with pytest.raises(IllegalTransition) as refused:
        check_transition(Family.DEVICE, "received", "on_loan")
    text = refused.value.render(gettext_for("fr"))
    assert text == ("Impossible de passer de « reçu » à « prêté ». Possible depuis « reçu » : "
                    "en reconditionnement, réformé.")


def test_an_unknown_state_is_refused_not_crashed():
    with pytest.raises(IllegalTransition):
        check_transition(Family.DEVICE, "available", "teleported")
    with pytest.raises(IllegalTransition):
        check_transition(Family.CARD, "on_loan", "issued")


@settings(max_examples=200, deadline=None)
@given(family=st.sampled_from(list(Family)), data=st.data())
def test_random_walks_stay_inside_the_table(family, data):
    state = states_of(family)[0]
    for _ in range(20):
        moves = TRANSITIONS[family][state]
        if not moves:
            break
        move = data.draw(st.sampled_from(moves))
        state = check_transition(family, state, move.target, via=move.via)
        assert state in TRANSITIONS[family]
