"""Privacy on both databases: retention anonymises, the person gets a copy of their data
and can have it erased, URLs carry no personal data, answers are not cached, errors tell
nothing of the code."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from contextlib import AsyncExitStack

import fitz
import httpx
import pytest

from inventory.app import create_app
from inventory.db.tables import (
    AccessLog, Beneficiary, EligibilityDecision, Loan, LoanLine, Referral, WaitingEntry,
)
from inventory.domain.privacy import ANONYMOUS_FIRST_NAME
from inventory.services import beneficiaries as people_svc
from inventory.services.common import from_json, today
from inventory.services.privacy import anonymise_inactive
from tests.conftest import ROOT, settings_for
from tests.factories import make_site, make_user, sign_in
from tests.integration.people_world import build_world
from tests.integration.privacy_helpers import (
    available, followed, give_back, lend, make_old, report_figures,
)


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def record(number: str) -> dict:
    return await Beneficiary.select().where(Beneficiary.number == number).first()


async def a_small_association(world) -> dict[str, dict]:
    """Five people: two long gone (one with a returned loan), one gone but still holding a
    laptop, one gone but back on the waiting list, one seen recently."""
    people = {}
    for key, commune, year in (("gone", "Bordeaux", 1984), ("returned", "Cenon", 1991),
                               ("holding", "Bordeaux", 1975), ("waiting", "Lormont", 2001),
                               ("recent", "Cenon", 1984)):
        people[key] = await followed(world, world.sw_a, first_name=f"Zoé{key}",
                                     last_name="Martin", commune=commune, birth_year=year,
                                     phone=None, email=f"{key}@example.org",
                                     notes=f"Suivie pour {key}")
    returned_tag = await available()
    await lend(world.desk_aub, people["returned"]["number"], returned_tag, note="RSA, 2 enfants")
    await give_back(world.desk_aub, returned_tag)
    await lend(world.desk_aub, people["holding"]["number"], await available())
    entry = await world.sw_a.post("/api/v1/waiting-list/", {
        "beneficiary_number": people["waiting"]["number"], "kind": "tablet",
        "site_code": "AUB", "note": "Appeler le matin"})
    assert entry.status_code == 201, entry.text
    for key in ("gone", "returned", "holding", "waiting"):
        await make_old(people[key]["number"])
    return people


async def test_people_without_contact_for_two_years_are_anonymised_and_figures_stay(world):
    people = await a_small_association(world)
    before = await report_figures()
    report = await anonymise_inactive(24, today())
    assert (report.anonymised, report.kept_active) == (2, 2)
    assert await report_figures() == before
    for key in ("gone", "returned"):
        row = await record(people[key]["number"])
        assert row["anonymised_at"] is not None
        assert (row["first_name"], row["last_name"]) == (ANONYMOUS_FIRST_NAME, "")
        assert (row["phone"], row["email"], row["notes"], row["search_name"]) == (
            None, None, "", "")
        assert "martin" not in row["duplicate_key"]
        assert row["commune"] == people[key]["commune"]
        referral = await Referral.select().where(Referral.beneficiary == row["id"]).first()
        assert (referral["need"], referral["path_wish"]) == ("", "")
        decision = await EligibilityDecision.select().where(
            EligibilityDecision.beneficiary == row["id"]).first()
        assert from_json(decision["proofs"], None) == []
        answers = from_json(decision["answers"], {})
        assert "birth_year" not in answers and answers["commune"] == row["commune"]
    assert (await record(people["gone"]["number"]))["birth_year"] == 1980
    assert (await record(people["returned"]["number"]))["birth_year"] == 1990
    assert await Loan.count().where(Loan.note != "") == 0, "the returned loan's note is gone"
    for key in ("holding", "waiting", "recent"):
        row = await record(people[key]["number"])
        assert row["anonymised_at"] is None and row["first_name"] == f"Zoé{key}"


async def test_anonymised_people_are_found_by_no_name_phone_or_duplicate_check(world):
    people = await a_small_association(world)
    await anonymise_inactive(24, today())
    for text in ("Zoégone", "Martin", "anonyme", "gone@example.org"):
        found = await world.admin.get("/api/v1/beneficiaries/", params={"q": text})
        numbers = {p["number"] for p in found.json()["items"]}
        assert people["gone"]["number"] not in numbers, text
    assert (await world.admin.get("/api/v1/beneficiaries/duplicates")).json() == []
    by_number = await world.admin.get(f"/api/v1/beneficiaries/{people['gone']['number']}")
    assert by_number.json()["first_name"] == ANONYMOUS_FIRST_NAME
    assert by_number.json()["anonymised_at"] is not None
    refill = await world.admin.patch(f"/api/v1/beneficiaries/{people['gone']['number']}",
                                     {"first_name": "Zoé"})
    assert refill.status_code == 409


async def test_running_retention_twice_changes_nothing_the_second_time(world):
    people = await a_small_association(world)
    await anonymise_inactive(24, today())
    first = await record(people["gone"]["number"])
    logged = await AccessLog.count().where(AccessLog.action == "beneficiary.anonymise")
    again = await anonymise_inactive(24, today())
    assert again.anonymised == 0
    assert await record(people["gone"]["number"]) == first
    assert logged == 2
    assert await AccessLog.count().where(AccessLog.action == "beneficiary.anonymise") == 2


async def test_retention_works_batch_by_batch_and_a_dry_run_changes_nothing(world):
    people = await a_small_association(world)
    dry = await anonymise_inactive(24, today(), dry_run=True)
    assert (dry.anonymised, dry.kept_active) == (2, 2)
    assert await Beneficiary.count().where(Beneficiary.anonymised_at.is_not_null()) == 0
    done = await anonymise_inactive(24, today(), batch_size=1)
    assert done.anonymised == 2
    assert await Beneficiary.count().where(Beneficiary.anonymised_at.is_not_null()) == 2
    shorter = await anonymise_inactive(1, today())  # "recent" was seen today: still kept
    assert shorter.anonymised == 0 and (await record(people["recent"]["number"]))[
        "anonymised_at"] is None


async def test_the_anonymise_command_reports_and_honours_dry_run(world, db):
    people = await a_small_association(world)
    env = {**os.environ, "DATABASE_URL": db.url, "PICCOLO_CONF": "inventory.piccolo_conf"}

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "inventory", "anonymise", *args], env=env,
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "2 personne(s) seraient anonymisée(s)" in run("--dry-run")
    assert (await record(people["gone"]["number"]))["anonymised_at"] is None
    assert "2 personne(s) anonymisée(s)" in run("--months", "24")
    assert "0 personne(s) anonymisée(s)" in run()
    assert (await record(people["gone"]["number"]))["anonymised_at"] is not None


# --- right of access -------------------------------------------------------------------------

async def test_the_export_holds_everything_about_the_person_and_is_logged(world):
    people = await a_small_association(world)
    number = people["returned"]["number"]
    response = await world.coordinator.get(f"/api/v1/beneficiaries/{number}/export.json")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert data["beneficiary"]["first_name"] == "Zoéreturned"
    assert data["beneficiary"]["email"] == "returned@example.org"
    assert data["referrals"][0]["need"] == "Suivie pour returned"
    assert data["decisions"][0]["proofs"][0]["type"] == "attestation_caf"
    loan = data["loans"][0]
    assert loan["note"] == "RSA, 2 enfants" and loan["lines"][0]["closed_at"]
    assert set(data) >= {"waiting_entries", "reminders", "access_log"}
    actions = [e["action"] for e in data["access_log"]]
    assert "beneficiary.create" in actions and actions[-1] == "beneficiary.export"
    waiting = await world.coordinator.get(
        f"/api/v1/beneficiaries/{people['waiting']['number']}/export.json")
    assert waiting.json()["waiting_entries"][0]["note"] == "Appeler le matin"


async def test_the_export_pdf_is_readable_and_shows_markup_as_text(world):
    person = await followed(world, world.sw_a, first_name="<b>Élodie</b>",
                            notes="<script>alert(1)</script> & co")
    response = await world.admin.get(f"/api/v1/beneficiaries/{person['number']}/export.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.headers["cache-control"] == "no-store"
    with fitz.open(stream=response.content, filetype="pdf") as pdf:
        text = " ".join(page.get_text() for page in pdf)
    assert person["number"] in text and "<b>Élodie</b>" in text
    assert "<script>alert(1)</script> & co" in text
    assert await AccessLog.count().where(AccessLog.action == "beneficiary.export") == 1


async def test_only_managers_export_or_erase_and_outsiders_get_not_found(world):
    person = await followed(world, world.sw_a)
    number = person["number"]
    for caller in (world.sw_a, world.desk_aub, world.technician):
        for method, suffix in (("get", "export.json"), ("get", "export.pdf"),
                               ("post", "erase")):
            response = await getattr(caller, method)(f"/api/v1/beneficiaries/{number}/{suffix}")
            assert response.status_code == 403, (caller.username, suffix)
    missing = await world.admin.post("/api/v1/beneficiaries/B-99999-1/erase")
    assert missing.status_code == 404
    assert (await world.admin.get("/api/v1/beneficiaries/B-99999-1/export.json")
            ).status_code == 404


# --- erasure ---------------------------------------------------------------------------------

async def test_erasure_on_request_anonymises_now_and_is_logged(world):
    person = await followed(world, world.sw_a, notes="Parle peu français")
    tag = await available()
    await lend(world.desk_aub, person["number"], tag, note="à rappeler")
    refused = await world.coordinator.post(f"/api/v1/beneficiaries/{person['number']}/erase")
    assert refused.status_code == 409
    assert (await record(person["number"]))["anonymised_at"] is None
    await give_back(world.desk_aub, tag)
    before = await report_figures()
    erased = await world.coordinator.post(f"/api/v1/beneficiaries/{person['number']}/erase")
    assert erased.status_code == 200, erased.text
    assert erased.json()["first_name"] == ANONYMOUS_FIRST_NAME
    assert erased.json()["notes"] == "" and erased.json()["phone"] is None
    assert erased.headers["cache-control"] == "no-store"
    assert await report_figures() == before
    assert await LoanLine.count() == 1 and await Loan.count() == 1
    log = await AccessLog.select(AccessLog.actor.username, AccessLog.actor_role).where(
        AccessLog.action == "beneficiary.erase")
    assert log == [{"actor.username": "coordinator", "actor_role": "coordinator"}]
    again = await world.coordinator.post(f"/api/v1/beneficiaries/{person['number']}/erase")
    assert again.status_code == 200


async def test_erasure_waits_for_the_waiting_list_entry_to_be_closed(world):
    person = await followed(world, world.sw_a)
    await world.sw_a.post("/api/v1/waiting-list/", {
        "beneficiary_number": person["number"], "kind": "tablet", "site_code": "AUB"})
    response = await world.admin.post(f"/api/v1/beneficiaries/{person['number']}/erase")
    assert response.status_code == 409
    assert await WaitingEntry.count() == 1


# --- minimisation ----------------------------------------------------------------------------

PERSONAL_WORDS = {"name", "firstname", "lastname", "surname", "phone", "tel", "email", "mail",
                  "birth", "address", "nom", "prenom"}


def test_no_route_takes_a_name_phone_or_email_in_its_path(tmp_path):
    from inventory.config import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/x.sqlite3"))
    params = set()
    for route in app.routes:
        for name in re.findall(r"\{(\w+):\w+\}", route.path):
            params.add(name)
            assert not set(name.lower().split("_")) & PERSONAL_WORDS, (route.path, name)
    assert "number" in params and "first_name" not in params


async def test_answers_about_people_are_never_cached(world):
    person = await followed(world, world.sw_a)
    number = person["number"]
    urls = ["/api/v1/beneficiaries/", f"/api/v1/beneficiaries/{number}",
            f"/api/v1/beneficiaries/{number}/decisions", "/api/v1/beneficiaries/B-99999-1",
            f"/api/v1/referrals/{person['referral_id']}", "/api/v1/referrals/",
            f"/api/v1/decisions/{person['decision_id']}", "/api/v1/loans/",
            "/api/v1/loans/P-99999-1", "/api/v1/waiting-list/", "/api/v1/enrollments/1",
            "/api/v1/workshops/"]
    for url in urls:
        response = await world.sw_a.get(url)
        assert response.headers.get("cache-control") == "no-store", url
    created = await world.sw_a.post("/api/v1/beneficiaries/", {
        "first_name": "Awa", "last_name": "Sy", "birth_year": 1990, "commune": "Bordeaux",
        "situation": "autre", "consent_on": "2026-11-01", "consent_version": "1",
        "site_code": "AUB"})
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"


async def test_an_internal_error_in_production_shows_no_trace(db, monkeypatch):
    settings = settings_for(db, environment="production", secret_key=secrets.token_urlsafe(48))
    app = create_app(settings, engine=db.engine)
    await make_site("AUB")
    await make_user("admin", site_code="AUB")

    async def broken(actor, search):
        raise RuntimeError("secret-detail-42 in beneficiaries.py line 7")

    monkeypatch.setattr(people_svc, "search_beneficiaries", broken)
    # Production cookies are Secure: the client speaks HTTPS.
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://127.0.0.1") as http:
        await sign_in(http, "admin")
        response = await http.get("/api/v1/beneficiaries/")
    assert response.status_code == 500
    body = response.text
    for leak in ("secret-detail-42", "Traceback", "RuntimeError", ".py", "line 7"):
        assert leak not in body, leak
    assert set(response.json()) == {"status_code", "detail"}
