"""Who sees which beneficiaries, whose reads are logged, and the permission table's shape."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.access import (
    PERMISSIONS,
    Role,
    Scope,
    beneficiary_scope,
    may,
    reads_are_logged,
)

ids = st.one_of(st.none(), st.integers(min_value=1, max_value=10**6))


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR])
@pytest.mark.parametrize(("site_id", "org_id"), [(None, None), (3, None), (None, 9), (3, 9)])
def test_managers_see_every_beneficiary(role, site_id, org_id):
    assert beneficiary_scope(role, site_id=site_id, partner_org_id=org_id) == (Scope.ALL, None)


def test_a_social_worker_sees_those_their_organisation_referred():
    assert beneficiary_scope(Role.SOCIAL_WORKER, site_id=None, partner_org_id=9) == \
        (Scope.ORGANISATION, 9)


def test_a_social_worker_attached_to_a_site_still_sees_only_their_organisation():
    assert beneficiary_scope(Role.SOCIAL_WORKER, site_id=3, partner_org_id=9) == \
        (Scope.ORGANISATION, 9)


@pytest.mark.parametrize("site_id", [None, 3])
def test_a_social_worker_without_an_organisation_sees_nobody(site_id):
    assert beneficiary_scope(Role.SOCIAL_WORKER, site_id=site_id, partner_org_id=None) == \
        (Scope.NONE, None)


@pytest.mark.parametrize("org_id", [None, 9])
def test_the_front_desk_sees_those_followed_at_their_site(org_id):
    assert beneficiary_scope(Role.FRONT_DESK, site_id=3, partner_org_id=org_id) == \
        (Scope.SITE, 3)


@pytest.mark.parametrize("org_id", [None, 9])
def test_the_front_desk_without_a_site_sees_nobody(org_id):
    assert beneficiary_scope(Role.FRONT_DESK, site_id=None, partner_org_id=org_id) == \
        (Scope.NONE, None)


@settings(max_examples=50)
@given(site_id=ids, org_id=ids)
def test_technicians_never_see_beneficiaries(site_id, org_id):
    assert beneficiary_scope(Role.TECHNICIAN, site_id=site_id, partner_org_id=org_id) == \
        (Scope.NONE, None)


@pytest.mark.parametrize("role", ["", "ADMIN", "volunteer", "social worker"])
def test_an_unknown_role_sees_nobody(role):
    assert beneficiary_scope(role, site_id=3, partner_org_id=9) == (Scope.NONE, None)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_roles_given_as_plain_strings_get_the_same_scope(role):
    assert beneficiary_scope(role, site_id=3, partner_org_id=9) == \
        beneficiary_scope(Role(role), site_id=3, partner_org_id=9)


@settings(max_examples=200)
@given(role=st.sampled_from(list(Role)), site_id=ids, org_id=ids)
def test_a_scope_names_the_id_it_is_limited_to_and_nothing_else(role, site_id, org_id):
    scope, key = beneficiary_scope(role, site_id=site_id, partner_org_id=org_id)
    expected_key = {Scope.ALL: None, Scope.NONE: None,
                    Scope.ORGANISATION: org_id, Scope.SITE: site_id}[scope]
    assert key == expected_key
    if scope in (Scope.ORGANISATION, Scope.SITE):
        assert key is not None
    if scope is not Scope.NONE:
        assert may(role, "beneficiaries.read")


def test_only_roles_allowed_to_read_beneficiaries_can_get_a_scope():
    for role in Role:
        scope, _ = beneficiary_scope(role, site_id=3, partner_org_id=9)
        assert (scope is not Scope.NONE) == may(role, "beneficiaries.read"), role


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN,
                                  Role.SOCIAL_WORKER])
def test_reads_of_a_person_are_logged_for_everyone_but_the_front_desk(role):
    assert reads_are_logged(role) is True
    assert reads_are_logged(role.value) is True


def test_front_desk_reads_are_not_logged():
    assert reads_are_logged(Role.FRONT_DESK) is False
    assert reads_are_logged("front_desk") is False


@pytest.mark.parametrize("role", ["", "unknown", "FRONT_DESK"])
def test_reads_by_an_unknown_role_are_logged(role):
    assert reads_are_logged(role) is True


@pytest.mark.parametrize("action", sorted(PERMISSIONS))
def test_every_action_is_allowed_to_some_known_roles(action):
    roles = PERMISSIONS[action]
    assert isinstance(roles, frozenset)
    assert roles, f"{action} is allowed to nobody"
    assert roles <= set(Role)


def test_action_names_are_area_dot_verb():
    for action in PERMISSIONS:
        area, _, verb = action.partition(".")
        assert area and verb and "." not in verb and action == action.lower(), action


@pytest.mark.parametrize("action", ["beneficiaries.read", "beneficiaries.write",
                                    "referrals.read", "referrals.create", "decisions.read"])
def test_technicians_may_not_see_people(action):
    assert not may(Role.TECHNICIAN, action)
    assert may(Role.FRONT_DESK, action) and may(Role.SOCIAL_WORKER, action)


def test_only_managers_merge_beneficiaries_and_only_admins_read_the_access_log():
    assert {r for r in Role if may(r, "beneficiaries.merge")} == {Role.ADMIN, Role.COORDINATOR}
    assert {r for r in Role if may(r, "access_log.read")} == {Role.ADMIN}


def test_social_workers_decide_eligibility_but_do_not_answer_referrals():
    assert may(Role.SOCIAL_WORKER, "decisions.write")
    assert not may(Role.FRONT_DESK, "decisions.write")
    assert not may(Role.SOCIAL_WORKER, "referrals.answer")
    assert may(Role.FRONT_DESK, "referrals.answer")


def test_an_unknown_action_is_refused_to_everyone():
    assert not any(may(role, "beneficiaries.delete") for role in Role)


@pytest.mark.parametrize("role, site, org, expected", [
    ("admin", None, None, True),
    ("coordinator", None, None, True),
    ("front_desk", 1, None, True),
    ("front_desk", 2, None, False),
    ("front_desk", None, None, False),
    ("social_worker", None, 10, True),
    ("social_worker", None, 11, False),
    ("technician", 1, None, False),
])
def test_sees_is_the_row_form_of_the_scope(role, site, org, expected):
    from inventory.domain.access import sees

    assert sees(role, site_id=site, partner_org_id=org, person_site=1, person_org=10) is expected
