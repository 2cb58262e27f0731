"""A social worker of organisation A gets "not found" on every beneficiary, referral and
decision route for organisation B's people: the route table is walked, so a new route
without a case here fails."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack

import pytest

from inventory.db.tables import Beneficiary, EligibilityDecision, Referral
from inventory.domain.access import may
from tests.integration.people_world import build_world

PREFIXES = ("/api/v1/beneficiaries", "/api/v1/referrals", "/api/v1/decisions")
DECISION = {"requested_kinds": ["laptop"]}
# A valid body for every write route, so that only the scope can refuse the request.
BODIES = {
    ("PATCH", "/api/v1/beneficiaries/{number:str}"): {"notes": "vu"},
    ("POST", "/api/v1/beneficiaries/{number:str}/merge"): {"keep": "{own}"},
    ("POST", "/api/v1/beneficiaries/{number:str}/decisions"): DECISION,
    ("POST", "/api/v1/beneficiaries/{number:str}/decisions/preview"): DECISION,
    ("POST", "/api/v1/referrals/{referral_id:int}/answer"): {"accept": True},
    ("POST", "/api/v1/decisions/{decision_id:int}/revoke"): {"reason": "test"},
    ("POST", "/api/v1/beneficiaries/{number:str}/erase"): {},
    ("POST", "/api/v1/beneficiaries/{number:str}/assessments"): {
        "kind": "entry", "tool": "pix", "overall_level": "beginner"},
    ("POST", "/api/v1/beneficiaries/{number:str}/enrollments"): {"path_id": 1},
    ("POST", "/api/v1/beneficiaries/{number:str}/drop-ins"): {
        "topic": "Messagerie", "duration_minutes": 20},
}
MISSING = {"number": "B-99999-1", "referral_id": 99999, "decision_id": 99999}


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


def routes_with_ids(app):
    """(method, path template, permission) of every scoped route taking a record id."""
    found = []
    for route in app.routes:
        if not route.path.startswith(PREFIXES) or "{" not in route.path:
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods):
                if method in ("HEAD", "OPTIONS"):
                    continue
                found.append((method, route.path, handler.opt.get("permission")))
    return found


async def records_of(world, caller):
    person = await world.person(caller, first_name=f"P{caller.username}")
    referral = (await caller.post("/api/v1/referrals/", {
        "beneficiary_number": person["number"], "requested_kinds": ["laptop"]})).json()
    decision = (await caller.post(f"/api/v1/beneficiaries/{person['number']}/decisions",
                                  DECISION)).json()
    return {"number": person["number"], "referral_id": referral["id"],
            "decision_id": decision["id"]}


def fill(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+):\w+\}", lambda m: str(ids[m.group(1)]), path)


async def call(caller, method, path, ids, own):
    body = BODIES.get((method, path))
    if body is not None and body.get("keep") == "{own}":
        body = {"keep": own["number"]}
    url = fill(path, ids)
    if method == "GET":
        return await caller.get(url)
    return await getattr(caller, method.lower())(url, body)


async def test_every_scoped_route_hides_another_organisations_people(app, world):
    theirs = await records_of(world, world.sw_b)
    mine = await records_of(world, world.sw_a)
    counts = (await Beneficiary.count(), await Referral.count())
    routes = routes_with_ids(app)
    assert len(routes) >= 10, routes
    for method, path, permission in routes:
        if method != "GET":
            assert (method, path) in BODIES, f"add a body for {method} {path} to BODIES"
        other = await call(world.sw_a, method, path, theirs, mine)
        absent = await call(world.sw_a, method, path, MISSING, mine)
        # The same answer as for a record that does not exist: nothing tells them apart.
        if may("social_worker", permission):
            assert other.status_code == absent.status_code == 404, (method, path, other.text)
            own = await call(world.sw_a, method, path, mine, mine)
            assert own.status_code < 400, ("the route works on their own people", method,
                                           path, own.text)
        else:
            assert other.status_code == absent.status_code == 403, (method, path)
    assert counts == (await Beneficiary.count(), await Referral.count())
    theirs_after = await EligibilityDecision.select().where(
        EligibilityDecision.id == theirs["decision_id"]).first()
    assert theirs_after["revoked_at"] is None


async def test_lists_and_references_never_reach_another_organisations_people(world):
    theirs = await records_of(world, world.sw_b)
    found = (await world.sw_a.get("/api/v1/beneficiaries/", params={"q": theirs["number"]}))
    assert found.json()["total"] == 0
    assert (await world.sw_a.get("/api/v1/referrals/")).json()["total"] == 0
    by_person = await world.sw_a.get("/api/v1/referrals/",
                                     params={"beneficiary": theirs["number"]})
    assert by_person.status_code == 404
    refer = await world.sw_a.post("/api/v1/referrals/", {
        "beneficiary_number": theirs["number"], "requested_kinds": ["laptop"]})
    assert refer.status_code == 404
    household = await world.sw_a.post("/api/v1/beneficiaries/", {
        **{"first_name": "Awa", "last_name": "Sy", "birth_year": 1990, "commune": "Bordeaux",
           "situation": "autre", "consent_on": "2026-11-01", "consent_version": "1",
           "site_code": "AUB"}, "household_of": theirs["number"]})
    assert household.status_code == 404
    assert await Beneficiary.count() == 1


async def test_the_front_desk_of_another_site_gets_not_found_too(world):
    theirs = await records_of(world, world.sw_b)
    await world.admin.patch(f"/api/v1/beneficiaries/{theirs['number']}", {"site_code": "BAC"})
    assert (await world.desk_bac.get(f"/api/v1/beneficiaries/{theirs['number']}")
            ).status_code == 200
    for url in (f"/api/v1/beneficiaries/{theirs['number']}",
                f"/api/v1/beneficiaries/{theirs['number']}/decisions",
                f"/api/v1/referrals/{theirs['referral_id']}",
                f"/api/v1/decisions/{theirs['decision_id']}"):
        assert (await world.desk_aub.get(url)).status_code == 404, url
