"""Stocktake rules: what a count expects, what each scan means, and the closing report, over
every family, state and site relation, with properties on random counts."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.domain.errors import Conflict
from inventory.domain.lifecycle import STATE_LABELS, TRANSITIONS, Family, State
from inventory.domain.stocktake import (
    ANY_SHELF_STATE, OUTCOME_LABELS, OUTCOME_OK, RESULT_LABELS, SHELF_STATES, STATUS_LABELS,
    UNEXPECTED, AlreadyCounting, CountNotOpen, OtherSite, Outcome, Record, Report, Result,
    Status, check_open, check_site, classify, expected_at, explain, on_shelf, replay, report,
    settle,
)

HERE, THERE = 1, 2
BOOLS = (True, False)
# Written out on purpose: the list a volunteer would give of what sits on a shelf.
ON_A_SHELF = {
    (Family.DEVICE, State.RECEIVED), (Family.DEVICE, State.REFURBISHING),
    (Family.DEVICE, State.AVAILABLE), (Family.DEVICE, State.RESERVED),
    (Family.DEVICE, State.RETURNED), (Family.DEVICE, State.IN_REPAIR),
    (Family.CARD, State.IN_STOCK), (Family.CARD, State.RESERVED),
}
FAMILY_STATES = [(family, state) for family, table in TRANSITIONS.items() for state in table]


def french(message: str) -> str:
    """A stand-in gettext that shows which message ids were used."""
    return f"«{message}»"


@pytest.mark.parametrize("family,state", FAMILY_STATES)
def test_a_count_expects_exactly_the_items_that_sit_on_a_shelf(family, state):
    assert on_shelf(family, state) is ((family, state) in ON_A_SHELF)
    assert (state.value in ANY_SHELF_STATE) is any(state in s for s in SHELF_STATES.values())


@pytest.mark.parametrize("family,state", FAMILY_STATES)
def test_an_item_is_expected_only_at_its_own_site_and_on_a_shelf(family, state):
    here, there = Record(1, family, state, HERE), Record(2, family, state, THERE)
    assert expected_at(HERE, [here, there]) == ({1} if (family, state) in ON_A_SHELF else set())


@pytest.mark.parametrize("family,state,same_site,expected,scanned",
                         [(f, s, *rest) for (f, s) in FAMILY_STATES
                          for rest in itertools.product(BOOLS, BOOLS, BOOLS)])
def test_what_a_scan_means_for_every_state_site_and_history(family, state, same_site,
                                                              expected, scanned):
    record = Record(7, family, state, HERE if same_site else THERE)
    outcome = classify(record, site_id=HERE, expected=expected, already_scanned=scanned)
    if scanned:
        assert outcome is Outcome.DUPLICATE
    elif expected:
        assert outcome is Outcome.FOUND
    elif (family, state) not in ON_A_SHELF:
        assert outcome is Outcome.NOT_IN_STOCK
    elif not same_site:
        assert outcome is Outcome.OTHER_SITE
    else:
        assert outcome is Outcome.ARRIVED


@pytest.mark.parametrize("state", [State.ON_LOAN, State.LOST, State.STOLEN, State.RETIRED])
def test_a_lent_or_lost_device_on_the_shelf_is_named_by_its_state_before_its_site(state):
    record = Record(3, Family.DEVICE, state, THERE)
    outcome = classify(record, site_id=HERE, expected=False, already_scanned=False)
    assert outcome is Outcome.NOT_IN_STOCK
    assert explain(outcome, state, "BAC", french) == "«recorded as {state} (site {site})»".format(
        state=french(STATE_LABELS[state]), site="BAC")


def test_every_outcome_result_and_status_has_a_label():
    assert set(OUTCOME_LABELS) == set(Outcome)
    assert set(RESULT_LABELS) == set(Result)
    assert set(STATUS_LABELS) == set(Status)
    assert set(UNEXPECTED) == set(Outcome) - {Outcome.FOUND, Outcome.DUPLICATE}
    assert OUTCOME_OK == {Outcome.FOUND, Outcome.ARRIVED, Outcome.DUPLICATE}


def test_an_explanation_says_where_an_unexpected_item_is_recorded():
    assert explain(Outcome.OTHER_SITE, "available", "BAC", french) == "«recorded at site BAC»"
    assert explain(Outcome.FOUND, "available", "AUB", french) == "«found»"
    assert explain(Outcome.ARRIVED, "available", "AUB", french) == \
        "«recorded here since the count started»"


@pytest.mark.parametrize("status", list(Status))
def test_only_an_open_count_changes(status):
    if status is Status.OPEN:
        check_open(status)
        return
    with pytest.raises(CountNotOpen) as caught:
        check_open(status)
    assert isinstance(caught.value, Conflict)
    assert STATUS_LABELS[status] in caught.value.render(lambda m: m)


@pytest.mark.parametrize("manages,own_site,allowed", [
    (True, None, True), (True, THERE, True), (False, HERE, True), (False, THERE, False),
    (False, None, False)])
def test_managers_count_anywhere_and_others_at_their_own_site(manages, own_site, allowed):
    if allowed:
        check_site(manages=manages, own_site=own_site, site_id=HERE)
    else:
        with pytest.raises(OtherSite):
            check_site(manages=manages, own_site=own_site, site_id=HERE)


def test_an_open_count_at_a_site_is_named_in_the_refusal():
    assert AlreadyCounting("AUB").render(lambda m: m).startswith(
        "A count is already in progress at site AUB")


def test_an_expected_item_not_scanned_is_missing_if_still_on_the_shelf_else_it_left():
    now = {1: Record(1, Family.DEVICE, State.AVAILABLE, HERE),
           2: Record(2, Family.DEVICE, State.ON_LOAN, HERE),  # lent during the count
           3: Record(3, Family.DEVICE, State.AVAILABLE, THERE),  # transferred meanwhile
           4: Record(4, Family.DEVICE, State.AVAILABLE, HERE)}
    results = settle(frozenset({1, 2, 3, 4, 5}), frozenset({4}), HERE, now)
    assert results == {1: Result.MISSING, 2: Result.LEFT, 3: Result.LEFT, 4: Result.FOUND,
                       5: Result.MISSING}


def test_a_report_keeps_unexpected_scans_with_their_reason():
    now = {1: Record(1, Family.DEVICE, State.AVAILABLE, HERE)}
    scans = {1: Outcome.FOUND, 9: Outcome.OTHER_SITE, 8: Outcome.NOT_IN_STOCK}
    result = report(frozenset({1}), scans, HERE, now)
    assert result == Report(found=frozenset({1}), missing=frozenset(), left=frozenset(),
                            unexpected={9: Outcome.OTHER_SITE, 8: Outcome.NOT_IN_STOCK})


# Random counts: items with a family, a state and one of three sites; the count is at site 1.
records_strategy = st.dictionaries(
    st.integers(1, 60),
    st.sampled_from(FAMILY_STATES).flatmap(
        lambda fs: st.tuples(st.just(fs[0]), st.just(fs[1]), st.integers(1, 3))),
    max_size=40,
).map(lambda d: {i: Record(i, f, s, site) for i, (f, s, site) in d.items()})


@st.composite
def counts(draw):
    records = draw(records_strategy)
    ids = sorted(records) or [0]
    scanned = draw(st.lists(st.sampled_from(ids), max_size=60)) if records else []
    moved = draw(st.dictionaries(st.sampled_from(ids), st.sampled_from(FAMILY_STATES),
                                 max_size=10)) if records else {}
    now = {i: Record(i, *moved[i], r.site_id) if i in moved else r for i, r in records.items()}
    return records, scanned, now


@given(counts(), st.randoms())
def test_a_report_partitions_what_was_expected_whatever_the_scans(count, rnd):
    records, scanned, now = count
    expected = expected_at(HERE, records.values())
    outcomes, kept = replay(expected, HERE, records, scanned)
    result = report(expected, kept, HERE, now)
    assert result.found | result.missing | result.left == expected
    assert len(result.found) + len(result.missing) + len(result.left) == len(expected)
    assert not result.found & result.missing and not result.found & result.left
    assert not result.missing & result.left
    assert result.found == expected & set(scanned)
    assert set(result.unexpected) == set(scanned) - expected
    # Every item is counted once, however often it was scanned.
    assert len(kept) == len(set(scanned))
    assert outcomes.count(Outcome.DUPLICATE) == len(scanned) - len(set(scanned))
    # Scanning order does not change the report.
    shuffled = list(scanned)
    rnd.shuffle(shuffled)
    assert report(expected, replay(expected, HERE, records, shuffled)[1], HERE, now) == result


@given(counts())
def test_nothing_moved_means_nothing_left_and_missing_is_what_was_not_scanned(count):
    records, scanned, _now = count
    expected = expected_at(HERE, records.values())
    result = report(expected, replay(expected, HERE, records, scanned)[1], HERE, records)
    assert result.left == frozenset()
    assert result.missing == expected - set(scanned)
    for item_id, outcome in result.unexpected.items():
        assert outcome in UNEXPECTED
        record = records[item_id]
        assert (outcome is Outcome.NOT_IN_STOCK) is not on_shelf(record.family, record.state)
