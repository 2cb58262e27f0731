"""Learning paths over the API, on both databases: enrollment, attendance and progress, loans
that serve a path (due date, agreement, the rule requiring it) and loans whose path is over."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from inventory.db.tables import LearningPath, Loan
from inventory.domain.rulesets import default_text
from inventory.services import eligibility, learning
from inventory.services.common import SYSTEM, today
from tests.integration.people_world import build_world
from tests.integration.test_agreement import pdf_text
from tests.integration.test_loans_api import available, eligible, lend


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        await learning.seed_paths()
        yield await build_world(app, stack)


async def path_id(name: str = "Initiation") -> int:
    return (await LearningPath.select(LearningPath.id).where(LearningPath.name == name).first())["id"]


async def enroll(caller, number: str, name: str = "Initiation", **body) -> dict:
    response = await caller.post(f"/api/v1/beneficiaries/{number}/enrollments",
                                 {"path_id": await path_id(name), **body})
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_seed_paths_load_once_and_list_with_their_modules(world):
    assert await learning.seed_paths() == 0
    response = await world.sw_a.get("/api/v1/learning-paths/")
    assert response.status_code == 200
    paths = {p["name"]: p for p in response.json()}
    assert set(paths) == {"Initiation", "Emploi", "Démarches en ligne",
                          "Scolarité des enfants", "Garder le lien"}
    initiation = paths["Initiation"]
    assert (initiation["planned_sessions"], initiation["planned_hours"],
            initiation["sessions_per_week"]) == (9, 18.0, 3)
    assert paths["Emploi"]["objective_label"] == "recherche d’emploi"


async def test_a_path_is_created_and_grows_by_modules_at_the_desk_only(world):
    body = {"name": "Santé en ligne", "objective": "health", "sessions_per_week": 1,
            "modules": [{"topic": "Mon espace santé", "level": "beginner", "format": "workshop",
                         "planned_sessions": 2, "planned_hours": 3}]}
    assert (await world.sw_a.post("/api/v1/learning-paths/", body)).status_code == 403
    created = await world.desk_aub.post("/api/v1/learning-paths/", body)
    assert created.status_code == 201, created.text
    again = await world.coordinator.post("/api/v1/learning-paths/", body)
    assert again.status_code == 409
    grown = await world.coordinator.post(
        f"/api/v1/learning-paths/{created.json()['id']}/modules",
        {"topic": "Téléconsultation", "level": "intermediate", "format": "one_to_one",
         "planned_sessions": 1, "planned_hours": 1.5})
    assert grown.status_code == 201, grown.text
    assert [(m["position"], m["topic"]) for m in grown.json()["modules"]] == [
        (1, "Mon espace santé"), (2, "Téléconsultation")]


async def test_assessments_are_recorded_and_read_within_the_scope(world):
    person = await world.person(world.sw_a)
    number = person["number"]
    body = {"kind": "entry", "tool": "les_bons_clics", "overall_level": "beginner",
            "area_levels": {"communication": "beginner", "safety": "excluded"}}
    response = await world.desk_aub.post(f"/api/v1/beneficiaries/{number}/assessments", body)
    assert response.status_code == 201, response.text
    assert response.json()["overall_level_label"] == "débutant"
    bad = await world.desk_aub.post(f"/api/v1/beneficiaries/{number}/assessments",
                                    {**body, "area_levels": {"cuisine": "beginner"}})
    assert bad.status_code == 422
    seen = await world.sw_a.get(f"/api/v1/beneficiaries/{number}/assessments")
    assert [a["tool"] for a in seen.json()] == ["les_bons_clics"]
    hidden = await world.sw_b.get(f"/api/v1/beneficiaries/{number}/assessments")
    assert hidden.status_code == 404
    elsewhere = await world.desk_bac.post(f"/api/v1/beneficiaries/{number}/assessments", body)
    assert elsewhere.status_code == 404


async def test_attendance_moves_an_enrollment_forward(world):
    number = (await world.person(world.sw_a))["number"]
    enrollment = await enroll(world.desk_aub, number)
    assert enrollment["expected_end_on"] == (today() + timedelta(days=20)).isoformat()
    assert enrollment["progress"] == {"done": 0, "planned": 3, "percent": 0}
    first = (await world.desk_aub.get(f"/api/v1/learning-paths/{await path_id()}")).json()[
        "modules"][0]
    for _ in range(3):
        session = await world.desk_aub.post("/api/v1/workshops/", {
            "held_on": today().isoformat(), "topics": [first["topic"]],
            "duration_minutes": 120, "module_id": first["id"]})
        assert session.status_code == 201, session.text
        marked = await world.desk_aub.put(
            f"/api/v1/workshops/{session.json()['id']}/attendance",
            {"marks": [{"beneficiary_number": number, "present": True}]})
        assert marked.status_code == 200, marked.text
        assert marked.json()["present_count"] == 1
    seen = await world.sw_a.get(f"/api/v1/enrollments/{enrollment['id']}")
    assert seen.status_code == 200
    assert seen.json()["progress"] == {"done": 1, "planned": 3, "percent": 33}
    assert (await world.sw_b.get(f"/api/v1/enrollments/{enrollment['id']}")).status_code == 404


async def test_marking_twice_replaces_the_mark_and_absence_does_not_count(world):
    number = (await world.person(world.sw_a))["number"]
    session = (await world.desk_aub.post("/api/v1/workshops/", {
        "held_on": today().isoformat(), "topics": ["Messagerie"], "duration_minutes": 90,
    })).json()
    url = f"/api/v1/workshops/{session['id']}/attendance"
    await world.desk_aub.put(url, {"marks": [{"beneficiary_number": number}]})
    again = await world.desk_aub.put(url, {"marks": [{"beneficiary_number": number,
                                                      "present": False}]})
    assert [a["present"] for a in again.json()["attendance"]] == [False]
    assert again.json()["present_count"] == 0
    future = (await world.desk_aub.post("/api/v1/workshops/", {
        "held_on": (today() + timedelta(days=2)).isoformat(), "topics": ["Messagerie"],
        "duration_minutes": 90})).json()
    early = await world.desk_aub.put(f"/api/v1/workshops/{future['id']}/attendance",
                                     {"marks": [{"beneficiary_number": number}]})
    assert early.status_code == 422


async def test_a_drop_in_session_is_recorded_with_its_topic_and_duration(world):
    number = (await world.person(world.sw_a))["number"]
    response = await world.desk_aub.post(f"/api/v1/beneficiaries/{number}/drop-ins",
                                         {"topic": "Scanner une attestation CAF",
                                          "duration_minutes": 20})
    assert response.status_code == 201, response.text
    row = response.json()
    assert (row["kind"], row["topics"], row["duration_minutes"], row["present_count"]) == (
        "drop_in", ["Scanner une attestation CAF"], 20, 1)


async def test_an_enrollment_closes_with_its_outcome_then_gets_its_follow_up(world):
    number = (await world.person(world.sw_a))["number"]
    enrollment = await enroll(world.desk_aub, number)
    url = f"/api/v1/enrollments/{enrollment['id']}"
    early = await world.desk_aub.patch(url, {"follow_up_outcome": "autonomous"})
    assert early.status_code == 409
    assert (await world.sw_a.patch(url, {"status": "completed"})).status_code == 403
    closed = await world.desk_aub.patch(url, {"status": "completed",
                                              "exit_outcome": "partly"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status_label"], closed.json()["exit_outcome"]) == ("terminé", "partly")
    followed = await world.coordinator.patch(url, {"follow_up_outcome": "autonomous"})
    assert followed.json()["follow_up_outcome"] == "autonomous"
    again = await enroll(world.desk_aub, number)
    assert again["id"] != enrollment["id"], "enrolled again once the first one is closed"
    twice = await world.desk_aub.post(f"/api/v1/beneficiaries/{number}/enrollments",
                                      {"path_id": await path_id()})
    assert twice.status_code == 409


async def test_a_loan_serving_a_path_is_due_at_its_end_and_the_agreement_names_it(world):
    number = await eligible(world)
    enrollment = await enroll(world.desk_aub, number)
    response = await lend(world.desk_aub, number, await available(),
                          enrollment_id=enrollment["id"])
    assert response.status_code == 201, response.text
    loan = response.json()
    assert (loan["due_on"], loan["enrollment_id"]) == (enrollment["expected_end_on"],
                                                        enrollment["id"])
    stored = await Loan.select(Loan.enrollment).where(Loan.reference == loan["reference"]).first()
    assert stored["enrollment"] == enrollment["id"]
    pdf = await world.desk_aub.get(f"/api/v1/loans/{loan['reference']}/agreement.pdf")
    assert pdf.status_code == 200
    assert "parcours « Initiation »" in " ".join(pdf_text(pdf.content).split())


async def test_a_loan_names_only_an_active_enrollment_of_the_same_person(world):
    number = await eligible(world)
    other = (await world.person(world.sw_a, first_name="Karim", phone="06 98 76 54 32"))["number"]
    theirs = await enroll(world.desk_aub, other)
    response = await lend(world.desk_aub, number, await available(), enrollment_id=theirs["id"])
    assert response.status_code == 404
    mine = await enroll(world.desk_aub, number)
    await world.desk_aub.patch(f"/api/v1/enrollments/{mine['id']}", {"status": "abandoned"})
    closed = await lend(world.desk_aub, number, await available(), enrollment_id=mine["id"])
    assert closed.status_code == 422
    assert "parcours" in closed.json()["detail"]


async def test_when_the_rules_require_a_path_a_device_is_lent_only_with_one(world):
    number = await eligible(world)
    text = default_text().replace('version = "2026.1"', 'version = "2026.2-parcours"')
    text = text.replace("enrollment_required_for_devices = false",
                        "enrollment_required_for_devices = true")
    await eligibility.save_ruleset(SYSTEM, text)
    tag = await available()
    refused = await lend(world.desk_aub, number, tag)
    assert refused.status_code == 409
    assert ("Un matériel n’est prêté que pour un parcours pédagogique en cours"
            in refused.json()["detail"])
    enrollment = await enroll(world.desk_aub, number)
    lent = await lend(world.desk_aub, number, tag, enrollment_id=enrollment["id"])
    assert lent.status_code == 201, lent.text


async def test_loans_whose_path_is_over_are_listed_to_return_or_renew(world):
    number = await eligible(world)
    current = await enroll(world.desk_aub, number)
    on_path = (await lend(world.desk_aub, number, await available(),
                          enrollment_id=current["id"])).json()
    late = await eligible(world, first_name="Karim", phone="06 98 76 54 32")
    past = await enroll(world.desk_aub, late, "Garder le lien",
                        started_on=(today() - timedelta(days=60)).isoformat())
    overrun = (await lend(world.desk_aub, late, await available(),
                          enrollment_id=past["id"])).json()
    assert overrun["due_on"] > today().isoformat(), "a past end does not make a loan overdue"
    listed = await world.desk_aub.get("/api/v1/loans/path-ended")
    assert listed.status_code == 200, listed.text
    assert [r["reference"] for r in listed.json()] == [overrun["reference"]]
    await world.desk_aub.patch(f"/api/v1/enrollments/{current['id']}",
                               {"status": "completed", "exit_outcome": "autonomous"})
    rows = (await world.sw_a.get("/api/v1/loans/path-ended")).json()
    assert {(r["reference"], r["path_name"], r["enrollment_status"]) for r in rows} == {
        (on_path["reference"], "Initiation", "completed"),
        (overrun["reference"], "Garder le lien", "active")}
    assert rows[0]["action_label"] == "parcours terminé : à rendre ou à renouveler"
    assert (await world.sw_b.get("/api/v1/loans/path-ended")).json() == []
    assert (await world.desk_aub.get(f"/api/v1/loans/{on_path['reference']}")).status_code == 200
