"""Partner organisations, beneficiaries, referrals and decisions over the API, on both
databases."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from inventory.db.tables import AccessLog, Beneficiary, EligibilityDecision
from inventory.domain.rulesets import default_text
from tests.integration.people_world import PERSON, build_world


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


# --- partner organisations --------------------------------------------------------------

async def test_a_coordinator_adds_a_partner_with_a_valid_siret(world):
    response = await world.coordinator.post("/api/v1/partner-orgs/", {
        "name": "Centre social Bordeaux Nord", "org_type": "centre_social",
        "siret": "732 829 320 00074", "commune": "Bordeaux"})
    assert response.status_code == 201, response.text
    org = response.json()
    assert org["siret"] == "73282932000074"
    assert org["org_type_label"] == "centre social"


@pytest.mark.parametrize("siret, message", [
    ("73282932000075", "Le SIRET « 73282932000075 » n’est pas valide"),
    ("1234", "Un SIRET a 14 chiffres"),
])
async def test_a_malformed_siret_is_refused_in_plain_french(world, siret, message):
    response = await world.coordinator.post("/api/v1/partner-orgs/",
                                            {"name": "X", "siret": siret})
    assert response.status_code == 422
    assert message in response.json()["detail"]


async def test_the_same_siret_cannot_be_recorded_twice(world):
    body = {"name": "CCAS", "siret": "73282932000074"}
    assert (await world.admin.post("/api/v1/partner-orgs/", body)).status_code == 201
    again = await world.admin.post("/api/v1/partner-orgs/", {**body, "name": "Autre"})
    assert again.status_code == 409
    assert "SIRET" in again.json()["detail"]


async def test_a_social_worker_cannot_manage_partner_organisations(world):
    response = await world.sw_a.post("/api/v1/partner-orgs/", {"name": "Mine"})
    assert response.status_code == 403


# --- beneficiaries ----------------------------------------------------------------------

async def test_a_social_worker_registers_a_person_for_their_own_organisation(world):
    person = await world.person(world.sw_a)
    assert person["number"].startswith("B-")
    assert person["partner_org_id"] == world.org_a
    assert person["phone"] == "+33612345678" and person["phone_display"] == "06 12 34 56 78"
    assert person["household_ref"] == person["number"]
    assert person["situation_label"] == "bénéficiaire des minima sociaux"


async def test_the_organisation_never_comes_from_the_request_body(world):
    response = await world.sw_a.post("/api/v1/beneficiaries/",
                                     {**PERSON, "partner_org_id": world.org_b})
    assert response.status_code == 422
    assert "celle de votre compte" in response.json()["detail"]
    assert await Beneficiary.count() == 0


async def test_staff_must_say_which_organisation_referred_the_person(world):
    response = await world.desk_aub.post("/api/v1/beneficiaries/", PERSON)
    assert response.status_code == 422
    response = await world.desk_aub.post("/api/v1/beneficiaries/",
                                         {**PERSON, "partner_org_id": 999})
    assert response.status_code == 404
    ok = await world.desk_aub.post("/api/v1/beneficiaries/",
                                   {**PERSON, "partner_org_id": world.org_b})
    assert ok.status_code == 201 and ok.json()["partner_org_id"] == world.org_b


async def test_an_inactive_partner_cannot_refer_anyone(world):
    await world.admin.patch(f"/api/v1/partner-orgs/{world.org_a}", {"active": False})
    response = await world.sw_a.post("/api/v1/beneficiaries/", PERSON)
    assert response.status_code == 422
    assert "n’est plus active" in response.json()["detail"]


@pytest.mark.parametrize("field, value, message", [
    ("phone", "12", "n’est pas un numéro de téléphone valide"),
    ("email", "pas-une-adresse", "n’est pas une adresse e-mail valide"),
    ("birth_year", 1850, "L’année de naissance"),
    ("situation", "riche", "Situation sociale inconnue"),
    ("notes", "x" * 600, "500"),
])
async def test_bad_personal_data_is_refused_with_a_clear_message(world, field, value, message):
    response = await world.sw_a.post("/api/v1/beneficiaries/", {**PERSON, field: value})
    assert response.status_code in (400, 422), response.text
    assert message in response.text
    assert await Beneficiary.count() == 0


async def test_a_likely_duplicate_is_flagged_and_can_be_confirmed(world):
    first = await world.person(world.sw_a)
    again = await world.sw_a.post("/api/v1/beneficiaries/",
                                  {**PERSON, "first_name": "ELODIE", "last_name": "n diaye"})
    assert again.status_code == 409
    assert first["number"] in again.json()["detail"]
    confirmed = await world.sw_a.post("/api/v1/beneficiaries/",
                                      {**PERSON, "confirm_duplicate": True})
    assert confirmed.status_code == 201


async def test_a_duplicate_outside_the_social_workers_scope_is_not_revealed(world):
    theirs = await world.person(world.sw_b)
    mine = await world.sw_a.post("/api/v1/beneficiaries/", PERSON)
    assert mine.status_code == 201
    assert theirs["number"] not in mine.text
    groups = (await world.coordinator.get("/api/v1/beneficiaries/duplicates")).json()
    assert groups == [[theirs["number"], mine.json()["number"]]]


async def test_a_coordinator_merges_a_duplicate_and_its_referrals_follow(world):
    kept = await world.person(world.sw_a)
    dup = await world.person(world.sw_a, confirm_duplicate=True)
    await world.sw_a.post("/api/v1/referrals/", {"beneficiary_number": dup["number"],
                                                 "requested_kinds": ["laptop"]})
    merged = await world.coordinator.post(f"/api/v1/beneficiaries/{dup['number']}/merge",
                                          {"keep": kept["number"]})
    assert merged.status_code == 200, merged.text
    referrals = (await world.sw_a.get(f"/api/v1/referrals/?beneficiary={kept['number']}")).json()
    assert referrals["total"] == 1
    hidden = (await world.sw_a.get("/api/v1/beneficiaries/?q=Diaye")).json()
    assert [p["number"] for p in hidden["items"]] == [kept["number"]]
    again = await world.coordinator.post(f"/api/v1/beneficiaries/{dup['number']}/merge",
                                         {"keep": kept["number"]})
    assert again.status_code == 409


async def test_search_ignores_accents_and_case_and_finds_numbers_and_phones(world):
    elodie = await world.person(world.sw_a)
    await world.person(world.sw_a, first_name="Marc", last_name="Dupont", phone="0556000000")
    for text in ("elodie", "ÉLODIE ndiaye", "n'diaye", elodie["number"].lower(),
                 "06.12.34.56.78", "+33 6 12 34 56 78"):
        found = (await world.sw_a.get("/api/v1/beneficiaries/", params={"q": text})).json()
        assert [p["number"] for p in found["items"]] == [elodie["number"]], text
    everyone = (await world.sw_a.get("/api/v1/beneficiaries/")).json()
    assert everyone["total"] == 2


async def test_households_share_one_reference(world):
    first = await world.person(world.sw_a)
    second = await world.person(world.sw_a, first_name="Awa", household_of=first["number"])
    assert second["household_ref"] == first["household_ref"] == first["number"]


async def test_each_role_sees_the_people_of_its_scope_only(world):
    a_aub = await world.person(world.sw_a)
    b_bac = await world.person(world.sw_b, first_name="Karim", site_code="BAC")

    async def visible(caller):
        page = (await caller.get("/api/v1/beneficiaries/")).json()
        return {p["number"] for p in page["items"]}

    assert await visible(world.sw_a) == {a_aub["number"]}
    assert await visible(world.sw_b) == {b_bac["number"]}
    assert await visible(world.desk_aub) == {a_aub["number"]}
    assert await visible(world.desk_bac) == {b_bac["number"]}
    assert await visible(world.coordinator) == {a_aub["number"], b_bac["number"]}
    assert (await world.technician.get("/api/v1/beneficiaries/")).status_code == 403


async def test_reads_are_logged_with_ids_only_except_for_the_front_desk(world):
    person = await world.person(world.sw_a)
    before = await AccessLog.count()
    await world.desk_aub.get(f"/api/v1/beneficiaries/{person['number']}")
    assert await AccessLog.count() == before
    await world.coordinator.get(f"/api/v1/beneficiaries/{person['number']}")
    rows = await AccessLog.select().order_by(AccessLog.id, ascending=False).limit(1)
    assert rows[0]["action"] == "beneficiary.read" and rows[0]["actor_role"] == "coordinator"
    logged = " ".join(str(v) for v in rows[0].values())
    for personal in ("Élodie", "Diaye", "0612", "Bordeaux"):
        assert personal not in logged


async def test_a_person_can_be_corrected_and_the_search_follows(world):
    person = await world.person(world.sw_a)
    response = await world.sw_a.patch(f"/api/v1/beneficiaries/{person['number']}",
                                      {"last_name": "Ndiaye-Sow", "phone": None})
    assert response.status_code == 200, response.text
    found = (await world.sw_a.get("/api/v1/beneficiaries/", params={"q": "sow"})).json()
    assert found["total"] == 1


# --- referrals --------------------------------------------------------------------------

async def test_a_referral_is_accepted_or_declined_with_a_reason(world):
    person = await world.person(world.sw_a)
    created = await world.sw_a.post("/api/v1/referrals/", {
        "beneficiary_number": person["number"], "requested_kinds": ["laptop", "sim"],
        "need": "Recherche d'emploi en ligne", "path_wish": "Emploi"})
    assert created.status_code == 201, created.text
    referral = created.json()
    assert referral["status"] == "pending" and referral["requested_kinds"] == ["laptop", "sim"]
    assert (await world.sw_a.post(f"/api/v1/referrals/{referral['id']}/answer",
                                  {"accept": True})).status_code == 403
    no_reason = await world.desk_aub.post(f"/api/v1/referrals/{referral['id']}/answer",
                                          {"accept": False})
    assert no_reason.status_code == 422
    declined = await world.desk_aub.post(f"/api/v1/referrals/{referral['id']}/answer",
                                         {"accept": False, "reason": "Déjà équipée"})
    assert declined.json()["status_label"] == "refusée"
    seen = (await world.sw_a.get(f"/api/v1/referrals/{referral['id']}")).json()
    assert seen["decline_reason"] == "Déjà équipée"
    twice = await world.desk_aub.post(f"/api/v1/referrals/{referral['id']}/answer",
                                      {"accept": True})
    assert twice.status_code == 409


async def test_a_referral_must_ask_for_known_kinds(world):
    person = await world.person(world.sw_a)
    for kinds in ([], ["yacht"]):
        response = await world.sw_a.post("/api/v1/referrals/", {
            "beneficiary_number": person["number"], "requested_kinds": kinds})
        assert response.status_code == 422, kinds


# --- decisions --------------------------------------------------------------------------

async def referred(world, **overrides):
    person = await world.person(world.sw_a, **overrides)
    await world.sw_a.post("/api/v1/referrals/", {"beneficiary_number": person["number"],
                                                 "requested_kinds": ["laptop"]})
    return person


async def test_a_preview_says_what_the_rules_would_say_and_records_nothing(world):
    person = await referred(world, commune="Paris")
    response = await world.sw_a.post(
        f"/api/v1/beneficiaries/{person['number']}/decisions/preview",
        {"requested_kinds": ["laptop"]})
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["eligible"] is False
    assert any("Paris" in reason for reason in preview["reasons"])
    assert {o["rule"] for o in preview["outcomes"]} >= {"referral", "target_public",
                                                        "residence", "age"}
    assert await EligibilityDecision.count() == 0


async def test_a_decision_records_every_outcome_the_version_and_the_proofs_seen(world):
    person = await referred(world)
    response = await world.sw_a.post(f"/api/v1/beneficiaries/{person['number']}/decisions", {
        "requested_kinds": ["laptop"],
        "proofs": [{"type": "attestation_caf", "seen_on": "2026-11-02"}]})
    assert response.status_code == 201, response.text
    decision = response.json()
    assert decision["eligible"] is True and decision["status"] == "valid"
    assert decision["covers"] == ["laptop"]
    assert decision["ruleset_version"] == "2026.1"
    assert decision["proofs"] == [{"type": "attestation_caf", "seen_on": "2026-11-02"}]
    assert all(o["passed"] for o in decision["outcomes"]) and decision["reasons"] == []
    assert decision["decided_by"] == "sw_a"
    listed = (await world.desk_aub.get(
        f"/api/v1/beneficiaries/{person['number']}/decisions")).json()
    assert [d["id"] for d in listed] == [decision["id"]]


async def test_a_refusal_lists_every_failed_rule_in_french(world):
    person = await world.person(world.sw_a, commune="Paris", birth_year=2015,
                                situation="autre")
    decision = (await world.sw_a.post(f"/api/v1/beneficiaries/{person['number']}/decisions",
                                      {"requested_kinds": ["laptop"]})).json()
    assert decision["eligible"] is False and decision["status"] == "refused"
    assert len(decision["reasons"]) == 4  # no referral, situation, commune, age
    assert any("orienté" in r for r in decision["reasons"])


async def test_a_revoked_decision_says_so_and_cannot_be_revoked_twice(world):
    person = await referred(world)
    decision = (await world.sw_a.post(f"/api/v1/beneficiaries/{person['number']}/decisions",
                                      {"requested_kinds": ["laptop"]})).json()
    url = f"/api/v1/decisions/{decision['id']}/revoke"
    assert (await world.sw_a.post(url, {"reason": ""})).status_code == 422
    revoked = await world.sw_a.post(url, {"reason": "Déménagement hors secteur"})
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoke_reason"] == "Déménagement hors secteur"
    assert (await world.sw_a.post(url, {"reason": "encore"})).status_code == 409


async def test_the_front_desk_reads_decisions_but_does_not_take_them(world):
    person = await referred(world)
    response = await world.desk_aub.post(
        f"/api/v1/beneficiaries/{person['number']}/decisions", {"requested_kinds": ["laptop"]})
    assert response.status_code == 403


# --- the rule set -----------------------------------------------------------------------

async def test_an_admin_saves_a_new_rule_set_and_decisions_record_its_version(world):
    text = default_text().replace('version = "2026.1"', 'version = "2026.2"').replace(
        '"Bordeaux",', '"Bordeaux", "Paris",')
    saved = await world.admin.put("/api/v1/ruleset/", {"text": text})
    assert saved.status_code == 200, saved.text
    assert (await world.sw_a.get("/api/v1/ruleset/")).json()["version"] == "2026.2"
    person = await referred(world, commune="Paris")
    decision = (await world.sw_a.post(f"/api/v1/beneficiaries/{person['number']}/decisions",
                                      {"requested_kinds": ["laptop"]})).json()
    assert decision["ruleset_version"] == "2026.2" and decision["eligible"] is True


async def test_a_broken_rule_set_is_refused_and_the_previous_one_stays(world):
    broken = default_text().replace('version = "2026.1"', 'version = "2026.3"').replace(
        "minimum_age = 18", "minimum_age = -4").replace("card_budget_per_month_eur = 20",
                                                        'card_budget_per_month_eur = "vingt"')
    response = await world.admin.put("/api/v1/ruleset/", {"text": broken})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "minimum_age" in detail and "card_budget_per_month_eur" in detail
    assert (await world.admin.get("/api/v1/ruleset/")).json()["version"] == "2026.1"
    same_version = await world.admin.put("/api/v1/ruleset/", {"text": default_text()})
    assert same_version.status_code == 409
    assert (await world.coordinator.put("/api/v1/ruleset/",
                                        {"text": default_text()})).status_code == 403
