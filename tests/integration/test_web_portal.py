"""The social-worker portal in the browser's way (form posts), on both databases: refer a
person in one go, see only one's own organisation's people, check the rules, decide."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from inventory.db.tables import Beneficiary, EligibilityDecision, Referral
from inventory.i18n import gettext_for
from inventory.services.common import from_json, today
from tests.integration.people_world import build_world

FR = gettext_for("fr")
FORM = {
    "first_name": "Élodie", "last_name": "N'Diaye", "birth_year": "1985",
    "commune": "Bordeaux", "situation": "minima_sociaux", "phone": "06 12 34 56 78",
    "email": "", "site_code": "AUB", "consent_on": today().isoformat(),
    "consent_version": "2026-1", "notes": "", "household_of": "",
    "kinds": ["laptop", "data_card"], "need": "Chercher un emploi en ligne",
    "path_wish": "Premiers pas",
}


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def send(caller, url, data, **headers):
    """A form post as a browser sends it: the CSRF token as a hidden field."""
    body = {**data, "_csrf": caller.headers["x-csrf-token"]}
    return await caller.http.post(url, data=body, headers={"accept": "text/html", **headers})


async def refer(caller, **changes):
    response = await send(caller, "/portal/refer", {**FORM, **changes})
    assert response.status_code == 303, response.text
    return response.headers["location"].split("/")[-1].split("?")[0]


async def test_a_social_worker_refers_a_person_and_both_records_are_created(world):
    page = await world.sw_a.get("/portal/refer")
    assert page.status_code == 200 and 'data-testid="portal-refer-form"' in page.text
    assert FR("Refer a person") in page.text
    number = await refer(world.sw_a)
    person = await Beneficiary.select().where(Beneficiary.number == number).first()
    assert person["partner_org"] == world.org_a and person["phone"] == "+33612345678"
    referral = await Referral.select().where(Referral.beneficiary == person["id"]).first()
    assert from_json(referral["requested_kinds"], []) == ["laptop", "data_card"]
    assert referral["need"] == "Chercher un emploi en ligne" and referral["status"] == "pending"
    shown = await world.sw_a.get(f"/portal/people/{number}?referred=1")
    assert shown.status_code == 200 and FR("The referral was sent.") in shown.text
    listing = await world.sw_a.get("/portal")
    assert number in listing.text and FR("waiting for an answer") in listing.text


async def test_a_refused_referral_keeps_every_typed_value_and_records_nothing(world):
    response = await send(world.sw_a, "/portal/refer",
                          {**FORM, "kinds": [], "phone": "06 12 AB", "need": "Écrire à la CAF"})
    assert response.status_code == 422
    assert 'id="err-kinds"' in response.text and 'id="err-phone"' in response.text
    assert 'value="Élodie"' in response.text and "Écrire à la CAF" in response.text
    assert 'value="06 12 AB"' in response.text
    assert await Beneficiary.count() == 0 and await Referral.count() == 0


async def test_a_referral_that_fails_leaves_no_person_behind(world):
    response = await send(world.sw_a, "/portal/refer", {**FORM, "kinds": ["jetpack"]})
    assert response.status_code == 422 and "jetpack" in response.text
    assert await Beneficiary.count() == 0 and await Referral.count() == 0


async def test_a_likely_duplicate_asks_for_confirmation_and_keeps_the_values(world):
    await refer(world.sw_a)
    again = await send(world.sw_a, "/portal/refer", {**FORM, "need": "Autre besoin"})
    assert again.status_code == 409
    assert 'name="confirm_duplicate"' in again.text and "Autre besoin" in again.text
    assert 'value="Élodie"' in again.text and await Beneficiary.count() == 1
    await refer(world.sw_a, confirm_duplicate="on")
    assert await Beneficiary.count() == 2 and await Referral.count() == 2


async def test_a_social_worker_sees_only_their_organisation_people(world):
    own = await refer(world.sw_a)
    other = await refer(world.sw_b, first_name="Karim", phone="06 98 76 54 32")
    listing = await world.sw_a.get("/portal")
    assert listing.status_code == 200 and 'data-testid="portal-people"' in listing.text
    assert own in listing.text and other not in listing.text
    assert (await world.sw_a.get(f"/portal/people/{other}")).status_code == 404
    for action in ("preview", "decide"):
        response = await send(world.sw_a, f"/portal/people/{other}/{action}",
                              {"kinds": "laptop"})
        assert response.status_code == 404
    assert await EligibilityDecision.count() == 0


async def test_the_preview_lists_every_rule_outcome_in_french(world):
    number = await refer(world.sw_a)
    fragment = await send(world.sw_a, f"/portal/people/{number}/preview", {"kinds": "laptop"},
                          **{"hx-request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="outcomes" data-testid="preview-outcomes"')
    assert "✓" in fragment.text and FR("Eligible") in fragment.text
    assert "Bordeaux" in fragment.text and "<html" not in fragment.text
    old = await refer(world.sw_a, first_name="Jean", phone="06 11 11 11 11", birth_year="2015")
    refused = await send(world.sw_a, f"/portal/people/{old}/preview", {"kinds": "laptop"},
                         **{"hx-request": "true"})
    assert "✗" in refused.text and FR("Not eligible") in refused.text
    assert await EligibilityDecision.count() == 0


async def test_without_javascript_the_preview_shows_the_whole_page(world):
    number = await refer(world.sw_a)
    page = await send(world.sw_a, f"/portal/people/{number}/preview", {"kinds": []})
    assert page.status_code == 422 and "<html" in page.text
    assert FR("Say what is requested: at least one kind of equipment.") in page.text


async def test_a_decision_is_recorded_and_shown_with_its_status_and_validity(world):
    number = await refer(world.sw_a)
    day = today().isoformat()
    response = await send(world.sw_a, f"/portal/people/{number}/decide", {
        "kinds": ["laptop"], "proof": ["attestation_caf", "piece_identite"],
        "proof_on_attestation_caf": day, "proof_on_piece_identite": day})
    assert response.status_code == 303, response.text
    decision = await EligibilityDecision.select().first()
    assert decision["eligible"] and from_json(decision["covers"], []) == ["laptop"]
    assert [p["type"] for p in from_json(decision["proofs"], [])] == [
        "attestation_caf", "piece_identite"]
    page = await world.sw_a.get(f"/portal/people/{number}")
    assert 'data-testid="decision-status"' in page.text and FR("valid") in page.text
    assert decision["valid_until"].strftime("%d/%m/%Y") in page.text


async def test_a_proof_seen_in_the_future_is_refused_and_the_answers_kept(world):
    number = await refer(world.sw_a)
    response = await send(world.sw_a, f"/portal/people/{number}/decide", {
        "kinds": ["laptop", "tablet"], "proof": "attestation_caf",
        "proof_on_attestation_caf": "2999-01-01"})
    assert response.status_code == 422
    assert FR("A proof cannot have been seen in the future.") in response.text
    assert 'value="2999-01-01"' in response.text and await EligibilityDecision.count() == 0


async def test_the_areas_shown_in_the_header_follow_the_role(world):
    portal = (await world.sw_a.get("/portal")).text
    assert 'href="/portal"' in portal and 'href="/workshop"' not in portal
    assert 'href="/admin"' not in portal
    admin = (await world.admin.get("/portal")).text
    assert all(f'href="/{area}"' in admin for area in ("portal", "workshop", "admin"))
    assert (await world.technician.get("/portal")).status_code == 403
    number = await refer(world.sw_a)
    desk = await send(world.desk_aub, f"/portal/people/{number}/decide", {"kinds": "laptop"})
    assert desk.status_code == 403


async def test_a_social_worker_lands_on_the_portal_without_a_scan_box(world):
    landing = await world.sw_a.get("/desk")
    assert landing.status_code in (302, 303) and landing.headers["location"] == "/portal"
    portal = await world.sw_a.get("/portal")
    assert portal.status_code == 200 and 'id="scan-code"' not in portal.text
    desk = await world.desk_aub.get("/desk")
    assert desk.status_code == 200 and 'id="scan-code"' in desk.text
