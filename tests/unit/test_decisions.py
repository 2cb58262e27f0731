"""Eligibility decisions: when one may be relied on, and why not when it may not."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.decisions import (
    DECISION_STATUS_LABELS,
    DecisionStatus,
    DecisionSummary,
    NoValidDecision,
    decision_status,
    require_valid_decision,
)
from inventory.domain.errors import DomainError
from inventory.domain.lifecycle import Kind

TODAY = date(2026, 6, 15)
ALL_KINDS = frozenset(Kind)


def identity(text: str) -> str:
    return text


def decision(id: int = 1, *, eligible: bool = True, covers=ALL_KINDS,
             decided_on: date = date(2026, 1, 10), valid_until: date = date(2027, 1, 9),
             revoked: bool = False) -> DecisionSummary:
    return DecisionSummary(id=id, eligible=eligible, covers=frozenset(covers),
                           decided_on=decided_on, valid_until=valid_until, revoked=revoked)


# --- decision_status ---------------------------------------------------------------------


def expected_status(revoked: bool, eligible: bool, expired: bool) -> DecisionStatus:
    if revoked:
        return DecisionStatus.REVOKED
    if not eligible:
        return DecisionStatus.REFUSED
    if expired:
        return DecisionStatus.EXPIRED
    return DecisionStatus.VALID


@pytest.mark.parametrize(("revoked", "eligible", "expired"),
                         list(itertools.product([False, True], repeat=3)))
def test_status_is_revoked_then_refused_then_expired_then_valid(revoked, eligible, expired):
    valid_until = TODAY - timedelta(days=1) if expired else TODAY + timedelta(days=30)
    d = decision(revoked=revoked, eligible=eligible, valid_until=valid_until)
    assert decision_status(d, TODAY) is expected_status(revoked, eligible, expired)


def test_a_decision_is_still_valid_on_its_last_day():
    assert decision_status(decision(valid_until=TODAY), TODAY) is DecisionStatus.VALID


def test_a_decision_has_expired_the_day_after_its_last_day():
    d = decision(valid_until=TODAY)
    assert decision_status(d, TODAY + timedelta(days=1)) is DecisionStatus.EXPIRED


def test_a_decision_is_valid_on_the_day_it_was_made():
    d = decision(decided_on=TODAY, valid_until=TODAY + timedelta(days=365))
    assert decision_status(d, TODAY) is DecisionStatus.VALID


@settings(max_examples=200)
@given(revoked=st.booleans(), eligible=st.booleans(),
       offset=st.integers(min_value=-800, max_value=800))
def test_status_follows_the_rules_for_any_day(revoked, eligible, offset):
    valid_until = TODAY + timedelta(days=offset)
    d = decision(revoked=revoked, eligible=eligible, valid_until=valid_until)
    assert decision_status(d, TODAY) is expected_status(revoked, eligible, offset < 0)


def test_every_status_has_a_label():
    assert set(DECISION_STATUS_LABELS) == set(DecisionStatus)
    assert all(DECISION_STATUS_LABELS.values())


# --- require_valid_decision --------------------------------------------------------------


def test_a_single_valid_covering_decision_is_returned():
    d = decision()
    assert require_valid_decision([d], [Kind.LAPTOP], TODAY) is d


def test_kinds_may_be_given_as_plain_strings():
    d = decision(covers={Kind.SIM})
    assert require_valid_decision([d], ["sim"], TODAY) is d


def test_unknown_kind_strings_are_an_error():
    with pytest.raises(ValueError):
        require_valid_decision([decision()], ["pc"], TODAY)


def test_asking_for_no_kind_needs_only_a_valid_decision():
    d = decision(covers=set())
    assert require_valid_decision([d], [], TODAY) is d


def test_no_decision_at_all_says_none_was_recorded():
    with pytest.raises(NoValidDecision) as exc:
        require_valid_decision([], [Kind.LAPTOP], TODAY)
    assert exc.value.reason == "none"
    assert exc.value.params == {}
    assert "No eligibility decision" in exc.value.render(identity)


def test_the_most_recent_of_several_valid_decisions_is_returned():
    older = decision(1, decided_on=date(2026, 1, 10))
    newer = decision(2, decided_on=date(2026, 3, 1))
    assert require_valid_decision([older, newer], [Kind.LAPTOP], TODAY) is newer
    assert require_valid_decision([newer, older], [Kind.LAPTOP], TODAY) is newer


def test_on_the_same_day_the_decision_recorded_last_wins():
    first = decision(7, decided_on=date(2026, 3, 1))
    second = decision(8, decided_on=date(2026, 3, 1))
    assert require_valid_decision([second, first], [Kind.SIM], TODAY) is second


def test_an_older_decision_covering_the_kind_is_used_when_the_newest_does_not():
    older = decision(1, covers={Kind.LAPTOP, Kind.SIM}, decided_on=date(2026, 1, 10))
    newer = decision(2, covers={Kind.SIM}, decided_on=date(2026, 3, 1))
    assert require_valid_decision([newer, older], [Kind.LAPTOP], TODAY) is older
    assert require_valid_decision([newer, older], [Kind.SIM], TODAY) is newer


def test_every_requested_kind_must_be_covered_by_one_decision():
    laptop_only = decision(1, covers={Kind.LAPTOP}, decided_on=date(2026, 1, 10))
    sim_only = decision(2, covers={Kind.SIM}, decided_on=date(2026, 3, 1))
    with pytest.raises(NoValidDecision) as exc:
        require_valid_decision([laptop_only, sim_only], [Kind.LAPTOP, Kind.SIM], TODAY)
    assert exc.value.reason == "kinds"
    assert exc.value.params["kinds"] == [Kind.LAPTOP]  # about the newest: it lacks the laptop


def test_a_valid_decision_not_covering_a_kind_lists_the_missing_kinds():
    d = decision(covers={Kind.SIM}, decided_on=date(2026, 2, 3))
    with pytest.raises(NoValidDecision) as exc:
        require_valid_decision([d], [Kind.TABLET, Kind.SIM, Kind.LAPTOP], TODAY)
    assert exc.value.reason == "kinds"
    assert exc.value.params == {"decided_on": date(2026, 2, 3),
                                "kinds": [Kind.LAPTOP, Kind.TABLET]}
    text = exc.value.render(identity)
    assert "03/02/2026" in text
    assert "laptop, tablet" in text
    assert "SIM card" not in text


def test_missing_kinds_are_rendered_by_their_translated_labels():
    d = decision(covers={Kind.LAPTOP})
    with pytest.raises(NoValidDecision) as exc:
        require_valid_decision([d], [Kind.DATA_CARD, Kind.HOTSPOT], TODAY)
    french = {"data top-up card": "carte de recharge", "mobile hotspot": "routeur 4G"}
    text = exc.value.render(lambda s: french.get(s, s))
    assert "does not cover: carte de recharge, routeur 4G." in text


def test_a_refused_latest_decision_is_the_reason_given():
    d = decision(eligible=False, decided_on=date(2026, 4, 2))
    with pytest.raises(NoValidDecision) as exc:
        require_valid_decision([d], [Kind.LAPTOP], TODAY)
    assert exc.value.reason == "refused"
    assert exc.value.params["decided_on"] == date(2026, 4, 2)
    assert "02/04/2026" in exc.value.render(identity)
    assert "not eligible" in exc.value.render(identity)


def test_a_revoked_latest_decision_is_the_reason_given():
    d = decision(revoked=True, decided_on=date(2026, 4, 2))
    with pytest.raises(NoValidDecision) as exc:
        require_valid_decision([d], [Kind.LAPTOP], TODAY)
    assert exc.value.reason == "revoked"
    text = exc.value.render(identity)
    assert "02/04/2026" in text and "revoked" in text


def test_an_expired_latest_decision_gives_both_dates():
    d = decision(decided_on=date(2025, 5, 1), valid_until=date(2026, 4, 30))
    with pytest.raises(NoValidDecision) as exc:
        require_valid_decision([d], [Kind.LAPTOP], TODAY)
    assert exc.value.reason == "expired"
    assert exc.value.params == {"decided_on": date(2025, 5, 1), "valid_until": date(2026, 4, 30)}
    text = exc.value.render(identity)
    assert "01/05/2025" in text and "30/04/2026" in text


def test_a_decision_may_be_relied_on_until_its_last_day_included():
    d = decision(valid_until=TODAY)
    assert require_valid_decision([d], [Kind.LAPTOP], TODAY) is d
    with pytest.raises(NoValidDecision) as exc:
        require_valid_decision([d], [Kind.LAPTOP], TODAY + timedelta(days=1))
    assert exc.value.reason == "expired"


def test_when_nothing_qualifies_the_reason_is_about_the_most_recent_decision():
    expired = decision(1, decided_on=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    revoked = decision(2, decided_on=date(2026, 2, 1), revoked=True)
    refused = decision(3, decided_on=date(2026, 3, 1), eligible=False)
    with pytest.raises(NoValidDecision) as exc:
        require_valid_decision([refused, expired, revoked], [Kind.LAPTOP], TODAY)
    assert exc.value.reason == "refused"
    assert exc.value.params["decided_on"] == date(2026, 3, 1)


def test_a_newer_refusal_overrides_an_older_favourable_decision():
    older = decision(1, decided_on=date(2026, 1, 10), valid_until=date(2027, 1, 9))
    refused = decision(2, decided_on=date(2026, 5, 1), eligible=False)
    with pytest.raises(NoValidDecision) as exc:
        require_valid_decision([older, refused], [Kind.LAPTOP], TODAY)
    assert exc.value.reason == "refused"
    assert exc.value.params["decided_on"] == date(2026, 5, 1)


def test_an_older_valid_decision_still_applies_after_a_newer_one_is_revoked():
    older = decision(1, decided_on=date(2026, 1, 10))
    revoked = decision(2, decided_on=date(2026, 5, 1), revoked=True)
    assert require_valid_decision([revoked, older], [Kind.LAPTOP], TODAY) is older


decisions_strategy = st.lists(
    st.builds(
        DecisionSummary,
        id=st.integers(min_value=1, max_value=50),
        eligible=st.booleans(),
        covers=st.frozensets(st.sampled_from(list(Kind))),
        decided_on=st.dates(min_value=date(2024, 1, 1), max_value=TODAY),
        valid_until=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 1, 1)),
        revoked=st.booleans(),
    ),
    max_size=6,
)


@settings(max_examples=200)
@given(decisions=decisions_strategy, kinds=st.frozensets(st.sampled_from(list(Kind)), max_size=3))
def test_the_chosen_decision_is_valid_covers_all_and_no_newer_one_would_do(decisions, kinds):
    live = sorted((d for d in decisions if not d.revoked), key=lambda d: (d.decided_on, d.id),
                  reverse=True)
    newest = live[0] if live else None
    refused = newest is not None and not newest.eligible
    qualifying = [d for d in live
                  if decision_status(d, TODAY) is DecisionStatus.VALID and kinds <= d.covers]
    try:
        chosen = require_valid_decision(decisions, kinds, TODAY)
    except NoValidDecision as exc:
        assert refused or not qualifying
        if not decisions:
            assert exc.reason == "none"
        elif newest is None:
            assert exc.reason == "revoked"
        else:
            status = decision_status(newest, TODAY)
            expected = "kinds" if status is DecisionStatus.VALID else status.value
            assert exc.reason == expected
            assert exc.params["decided_on"] == newest.decided_on
            if expected == "kinds":
                assert exc.params["kinds"] == sorted(kinds - newest.covers)
                assert exc.params["kinds"]
        assert exc.render(identity)  # every reason renders with its parameters
        return
    assert not refused
    assert chosen in qualifying
    assert (chosen.decided_on, chosen.id) == max((d.decided_on, d.id) for d in qualifying)


def test_no_valid_decision_is_a_domain_error_with_a_readable_str():
    exc = NoValidDecision("revoked", decided_on=date(2026, 4, 2), valid_until=date(2027, 4, 1))
    assert isinstance(exc, DomainError)
    assert "2026-04-02" in str(exc)
    assert exc.render(identity) == "The eligibility decision of 02/04/2026 was revoked."


def test_no_valid_decision_is_rendered_through_the_given_gettext():
    catalogue = {"The eligibility decision of {decided_on} was revoked.":
                 "La décision d’éligibilité du {decided_on} a été révoquée."}
    exc = NoValidDecision("revoked", decided_on=date(2026, 4, 2))
    assert exc.render(lambda s: catalogue.get(s, s)) == \
        "La décision d’éligibilité du 02/04/2026 a été révoquée."


def test_an_unknown_reason_is_a_programming_error():
    with pytest.raises(KeyError):
        NoValidDecision("because")
