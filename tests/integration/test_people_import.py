"""Importing people already followed (the association's spreadsheet), on both databases: every
line checked with the rules of registration, all or nothing, errors listed by line; from the
back office and from the command line."""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import AsyncExitStack
from datetime import date, timedelta

import pytest
from markupsafe import escape

from inventory.db.tables import AccessLog, Beneficiary, PartnerOrg
from inventory.domain.people import beneficiary_number
from inventory.i18n import gettext_for
from inventory.services import imports as import_svc
from inventory.services.beneficiaries import create_beneficiary
from inventory.services.common import SYSTEM, today
from inventory.services.history import verify_history
from inventory.services.people_import import (
    CONFIRM_HINT, NO_CONSENT, SAME_AS_LINE, PeopleImportFailed, import_people,
)
from tests.conftest import ROOT
from tests.factories import make_org, make_site
from tests.integration.people_world import build_world

FR = gettext_for("fr")
COLUMNS = ("last_name", "first_name", "birth_year", "phone", "commune", "in_priority_area",
           "situation", "site", "partner_org", "consent_on", "consent_version",
           "last_contact_on", "confirm_duplicate")
# Dates relative to today: a last contact must fall within the retention period (24 months).
CONSENT = date.today() - timedelta(days=300)
LAST_CONTACT = date.today() - timedelta(days=180)
JEANNE = {"last_name": "Martin", "first_name": "Jeanne", "birth_year": "1962",
          "phone": "06 12 34 56 78", "commune": "Bordeaux", "in_priority_area": "oui",
          "situation": "minima_sociaux", "site": "AUB", "partner_org": "CCAS de Bordeaux",
          "consent_on": CONSENT.strftime("%d/%m/%Y"), "consent_version": "",
          "last_contact_on": LAST_CONTACT.isoformat(),
          "confirm_duplicate": ""}


def sheet(*people: dict, delimiter: str = ",") -> str:
    """A CSV file as a spreadsheet saves it: the header, then one line per person."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    for person in people:
        writer.writerow({**JEANNE, **person})
    return out.getvalue()


def has(text: str, message: str) -> bool:
    return str(escape(message)) in text


@pytest.fixture
async def places(db):
    await make_site("AUB", "Les Aubiers")
    return {"ccas": await make_org("CCAS de Bordeaux"),
            "mission": await make_org("Mission locale Bordeaux")}


async def failures(text: str, **defaults) -> dict[int, list[str]]:
    with pytest.raises(PeopleImportFailed) as failed:
        await import_people(SYSTEM, text, FR, **defaults)
    by_line: dict[int, list[str]] = {}
    for error in failed.value.errors:
        by_line.setdefault(error.line, []).append(error.message)
    return by_line


# --- a good file -------------------------------------------------------------------------

async def test_a_good_file_registers_everyone_with_a_number_an_access_entry_and_their_last_contact(
        places):
    text = sheet(JEANNE,
                 {"last_name": "N'Diaye", "first_name": "Élodie", "birth_year": "1985",
                  "phone": "", "in_priority_area": "non", "situation": "demandeur_emploi",
                  "partner_org": "Mission locale Bordeaux", "consent_on": "2023-01-10",
                  "consent_version": "papier-2022", "last_contact_on": ""})
    assert await import_people(SYSTEM, text, FR) == 2
    rows = await Beneficiary.select().order_by(Beneficiary.id)
    jeanne, elodie = rows
    assert [r["number"] for r in rows] == [beneficiary_number(1), beneficiary_number(2)]
    assert (jeanne["phone"], jeanne["in_priority_area"], jeanne["partner_org"]) == (
        "+33612345678", True, places["ccas"])
    assert (jeanne["consent_on"], jeanne["last_contact_on"]) == (CONSENT, LAST_CONTACT)
    assert jeanne["consent_version"] == "2026-1"  # the notice in use, when none is given
    assert jeanne["household_ref"] == jeanne["number"] and jeanne["referrer"] is None
    assert (elodie["phone"], elodie["in_priority_area"], elodie["partner_org"]) == (
        None, False, places["mission"])
    assert elodie["consent_version"] == "papier-2022"
    assert elodie["last_contact_on"] == today()  # no date of last contact: today
    log = await AccessLog.select().order_by(AccessLog.id)
    assert [(e["beneficiary"], e["action"], e["actor_role"]) for e in log] == [
        (jeanne["id"], "beneficiary.create", "admin"),
        (elodie["id"], "beneficiary.create", "admin")]
    assert all(report.broken_chains == 0 for report in await verify_history())


async def test_a_french_spreadsheet_with_semicolons_a_bom_and_empty_rows_is_read(places):
    text = "\ufeff" + sheet(JEANNE, {"first_name": "Paul", "site": "aub"}, delimiter=";")
    text += ";;;;;;;;;;;;\n;;;;;;;;;;;;\n"
    assert await import_people(SYSTEM, text, FR) == 2


async def test_a_large_file_goes_in_whole_with_consecutive_numbers(places):
    people = [{"last_name": f"Martin{n}", "phone": ""} for n in range(450)]
    assert await import_people(SYSTEM, sheet(*people), FR) == 450
    numbers = [r["number"] for r in await Beneficiary.select(Beneficiary.number).order_by(
        Beneficiary.id)]
    assert [int(n.split("-")[1]) for n in numbers] == list(range(1, 451))
    assert await AccessLog.count() == 450
    assert all(report.broken_chains == 0 for report in await verify_history())


async def test_the_site_and_organisation_of_the_whole_file_fill_the_lines_without_one(places):
    text = sheet({"site": "", "partner_org": ""}, {"first_name": "Paul", "site": "",
                                                   "partner_org": "CCAS de Bordeaux"})
    assert await import_people(SYSTEM, text, FR, site_code="aub",
                               org_name="Mission locale Bordeaux") == 2
    orgs = [r["partner_org"] for r in await Beneficiary.select().order_by(Beneficiary.id)]
    assert orgs == [places["mission"], places["ccas"]]
    without = "last_name,first_name,birth_year,commune,situation,consent_on\n" \
              "Martin,Jeanne,1962,Bordeaux,autre,01/02/2024\n"
    assert await import_people(SYSTEM, without, FR, site_code="AUB",
                               org_name="CCAS de Bordeaux") == 1


# --- a file with errors ------------------------------------------------------------------

async def test_a_file_with_errors_imports_no_one_and_lists_every_bad_line_in_french(places):
    existing = await create_beneficiary(
        SYSTEM, partner_org_id=places["ccas"], site_code="AUB", first_name="Karim",
        last_name="Benali", birth_year=1990, commune="Cenon", situation="autre",
        consent_on=date(2025, 1, 2), consent_version="2026-1", phone="07 51 22 33 44")
    log_before = await AccessLog.count()
    future = (today() + timedelta(days=5)).isoformat()
    text = sheet(
        JEANNE,                                                              # line 2: good
        {"first_name": "A", "birth_year": "19x2"},                           # 3
        {"first_name": "B", "birth_year": "1850"},                           # 4
        {"first_name": "C", "site": "NOWHERE"},                              # 5
        {"first_name": "D", "partner_org": "CCAS de Nulle Part"},            # 6
        {"first_name": "E", "consent_on": ""},                               # 7
        {"first_name": "F", "consent_on": future},                           # 8
        {"first_name": "G", "situation": "riche"},                           # 9
        {"first_name": "Jeanne"},                                            # 10: as line 2
        {"last_name": "BENALI", "first_name": "karim", "birth_year": "1990",  # 11: recorded
         "phone": "+33751223344"},
        {"first_name": "H", "last_contact_on": future},                      # 12
        {"first_name": "I", "consent_on": LAST_CONTACT.isoformat(),            # 13
         "last_contact_on": (LAST_CONTACT - timedelta(days=1)).isoformat()},
        {"first_name": "J", "consent_on": "2020-02-03", "last_contact_on": "2020-03-04"},  # 14
    )
    errors = await failures(text)
    assert sorted(errors) == list(range(3, 15))
    assert errors[3] == [FR("“{value}” is not a year (for example 1985).").format(
        value="19x2")]
    assert errors[4] == ["L’année de naissance doit être comprise entre 1900 et "
                         f"{today().year}, pas 1850."]
    assert errors[5] == ["Aucun site avec le code « NOWHERE »."]
    assert errors[6] == [FR("No partner organisation is named “{name}” (write the name as in "
                            "the back office).").format(name="CCAS de Nulle Part")]
    assert errors[7] == [FR(NO_CONSENT)]
    assert errors[8] == ["La date du consentement ne peut pas être dans le futur."]
    assert errors[9][0].startswith("Situation sociale inconnue « riche »")
    assert errors[10] == [FR(SAME_AS_LINE).format(line=2)]
    assert errors[11] == [
        "Une personne avec les mêmes nom, année de naissance et téléphone est déjà enregistrée "
        f"(n° {existing['number']}). Ouvrez sa fiche, ou confirmez qu’il s’agit d’une autre "
        "personne. " + FR(CONFIRM_HINT)]
    assert errors[12] == [FR("The date of last contact cannot be in the future.")]
    assert errors[13] == [FR(
        "The date of last contact cannot be before the consent date: asking for the consent "
        "was a contact.")]
    assert errors[14] == [FR(
        "No contact for more than {months} months (last on {date}): the data of this person "
        "must no longer be kept, so it is not taken in.").format(months=24, date="04/03/2020")]
    assert await Beneficiary.count() == 1 and await AccessLog.count() == log_before


async def test_a_line_with_two_problems_of_the_database_lists_both(places):
    await PartnerOrg.update({PartnerOrg.active: False}).where(
        PartnerOrg.id == places["mission"])
    errors = await failures(sheet({"site": "BAC", "partner_org": "Mission locale Bordeaux"}))
    assert errors == {2: ["Aucun site avec le code « BAC ».",
                          "Cette structure partenaire n’est plus active."]}


async def test_two_organisations_with_the_same_name_are_not_guessed(places):
    await make_org("CCAS de Bordeaux")
    errors = await failures(sheet(JEANNE))
    assert errors == {2: [FR("Several partner organisations are named “{name}”: rename one in "
                             "the back office.").format(name="CCAS de Bordeaux")]}


@pytest.mark.parametrize(("cells", "expected"), [
    ({"last_name": "x" * 81}, ("The field “{field}” has at most {limit} characters.",
                               {"field": "last_name", "limit": 80})),
    ({"first_name": "  "}, ("The field “{field}” cannot be empty.", {"field": "first_name"})),
    ({"phone": "06 12 ABC DEF"}, ("“{value}” is not a valid phone number.",
                                  {"value": "06 12 ABC DEF"})),
    ({"in_priority_area": "peut-être"}, ("“{value}” is not yes or no.",
                                         {"value": "peut-être"})),
    ({"consent_on": "31/02/2024"}, ("“{value}” is not a date (for example 31/12/2026).",
                                    {"value": "31/02/2024"})),
    ({"site": "", "partner_org": ""}, ("The field “{field}” cannot be empty.",
                                       {"field": "site"})),
    ({"partner_org": ""}, ("Say which partner organisation referred this person.", {})),
])
async def test_each_cell_is_checked_with_the_rules_of_registration(places, cells, expected):
    message, params = expected
    assert await failures(sheet(cells)) == {2: [FR(message).format(**params)]}


@pytest.mark.parametrize(("text", "needle"), [
    ("", "Le fichier est vide."),
    ("last_name,first_name\nMartin,Jeanne\n", "La première ligne doit nommer les colonnes"),
    (sheet().replace("confirm_duplicate", "notes"), "Colonne(s) inconnue(s) : notes."),
    ("last_name,first_name,birth_year,commune,situation,consent_on,site,partner_org\n",
     FR("The file has no one to import.")),
])
async def test_a_file_without_the_expected_columns_or_lines_is_refused_on_line_1(
        places, text, needle):
    errors = await failures(text)
    assert list(errors) == [1] and needle in errors[1][0]


async def test_a_line_with_too_many_or_too_few_cells_is_refused(places):
    text = sheet(JEANNE) + "Martin,Paul,1970\n" + sheet(JEANNE).splitlines()[1] + ",en trop\n"
    errors = await failures(text)
    assert errors == {3: ["Cette ligne a moins de cellules que de colonnes."],
                      4: ["Cette ligne a plus de cellules que de colonnes."]}


async def test_an_unknown_site_or_organisation_for_the_whole_file_is_a_problem_of_the_request(
        places):
    from inventory.domain.errors import DomainError

    with pytest.raises(DomainError) as wrong:
        await import_people(SYSTEM, sheet(JEANNE), FR, site_code="NOPE")
    assert wrong.value.render(FR) == "Aucun site avec le code « NOPE »."
    with pytest.raises(DomainError):
        await import_people(SYSTEM, sheet(JEANNE), FR, org_name="Inconnue")
    assert await Beneficiary.count() == 0


# --- likely duplicates -------------------------------------------------------------------

async def test_confirm_duplicate_lets_a_likely_duplicate_in(places):
    await import_people(SYSTEM, sheet(JEANNE), FR)
    text = sheet({"confirm_duplicate": "oui"}, {"confirm_duplicate": "OUI"},
                 {"first_name": "Paul"}, {"first_name": "Paul", "confirm_duplicate": "oui"})
    assert await import_people(SYSTEM, text, FR) == 4
    assert await Beneficiary.count().where(Beneficiary.first_name == "Jeanne") == 3


async def test_a_merged_record_is_not_a_duplicate_any_more(places):
    await import_people(SYSTEM, sheet(JEANNE), FR)
    await Beneficiary.update({Beneficiary.merged_into: "B-00009-9"}, force=True)
    assert await import_people(SYSTEM, sheet(JEANNE), FR) == 1


# --- formulas ----------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","<b>clic</b>")'


async def test_a_formula_like_cell_is_kept_as_text(places):
    text = sheet({"last_name": FORMULA, "commune": "=1+1", "first_name": "@SUM(A1)"})
    assert await import_people(SYSTEM, text, FR) == 1
    row = await Beneficiary.select().first()
    assert (row["last_name"], row["commune"], row["first_name"]) == (FORMULA, "=1+1",
                                                                     "@SUM(A1)")


# --- back office -------------------------------------------------------------------------

@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def upload(caller, content: bytes, token: str | None = "own", **fields):
    data = dict(fields)
    if token:
        data["_csrf"] = caller.headers["x-csrf-token"]
    return await caller.http.post("/admin/imports/people", data=data,
                                  files={"file": ("personnes.csv", content, "text/csv")},
                                  headers={"accept": "text/html"})


async def test_the_imports_page_offers_people_to_managers_with_their_columns(world):
    page = await world.coordinator.get("/admin/imports")
    assert page.status_code == 200 and 'data-testid="import-form-people"' in page.text
    assert ", ".join(COLUMNS) in page.text
    assert '<option value="Mission locale Bordeaux">' in page.text


async def test_a_coordinator_imports_people_and_the_access_log_names_them(world):
    response = await upload(world.coordinator, sheet(JEANNE).encode())
    assert response.status_code == 303
    page = await world.coordinator.get(response.headers["location"])
    assert has(page.text, FR("{count} record(s) imported.").format(count=1))
    person = await Beneficiary.select().first()
    entry = await AccessLog.select().where(AccessLog.beneficiary == person["id"]).first()
    assert (entry["action"], entry["actor_role"]) == ("beneficiary.create", "coordinator")


async def test_errors_are_listed_by_line_and_the_chosen_kind_keeps_its_choices(world):
    content = sheet(JEANNE, {"first_name": "A", "birth_year": "19x2"},
                    {"first_name": "B", "site": ""}).encode()
    response = await upload(world.coordinator, content, site_code="",
                            partner_org="Mission locale Bordeaux")
    assert response.status_code == 422
    assert 'data-testid="import-problem-lines"' in response.text
    assert "<td>3</td>" in response.text and "<td>4</td>" in response.text
    assert '<option value="Mission locale Bordeaux" selected>' in response.text
    assert await Beneficiary.count() == 0


async def test_a_value_echoed_in_an_error_or_shown_on_the_person_page_is_escaped(world):
    bad = await upload(world.coordinator, sheet({"situation": "<script>x</script>"}).encode())
    assert bad.status_code == 422 and "<script>x</script>" not in bad.text
    assert "&lt;script&gt;" in bad.text
    done = await upload(world.coordinator, sheet({"last_name": FORMULA}).encode())
    assert done.status_code == 303
    number = (await Beneficiary.select(Beneficiary.number).first())["number"]
    page = await world.coordinator.get(f"/portal/people/{number}")
    assert page.status_code == 200 and has(page.text, FORMULA)
    assert "<b>clic</b>" not in page.text


@pytest.mark.parametrize("who", ["sw_a", "desk_aub", "technician"])
async def test_only_managers_import_people(world, who):
    caller = getattr(world, who)
    assert (await upload(caller, sheet(JEANNE).encode())).status_code == 403
    assert await Beneficiary.count() == 0


async def test_an_import_without_the_csrf_token_is_refused(world):
    assert (await upload(world.coordinator, sheet(JEANNE).encode(), token=None)).status_code \
        == 403
    assert await Beneficiary.count() == 0


async def test_a_file_not_in_utf8_or_too_large_gets_the_messages_of_every_import(world):
    latin = await upload(world.coordinator, sheet({"commune": "Bègles"}).encode("latin-1"))
    assert latin.status_code == 422 and 'id="err-people-file"' in latin.text
    assert has(latin.text, "Le fichier n’est pas du texte UTF-8")
    limit = FR("The file is too large: at most {limit} kB. Split it into several files.")
    message = limit.format(limit=import_svc.MAX_BYTES // 1000)
    just_over = await upload(world.coordinator, b"x" * (import_svc.MAX_BYTES + 1))
    assert just_over.status_code == 422 and has(just_over.text, message)
    huge = await upload(world.coordinator, b"x" * (3 * import_svc.MAX_BYTES))
    assert huge.status_code == 413 and has(huge.text, message)
    assert await Beneficiary.count() == 0


async def test_imported_people_appear_to_their_organisation_s_social_worker_only(world):
    content = sheet({"last_name": "Aubert"},
                    {"last_name": "Bernard", "partner_org": "Mission locale Bordeaux"})
    assert (await upload(world.coordinator, content.encode())).status_code == 303
    seen_a = (await world.sw_a.get("/portal")).text
    seen_b = (await world.sw_b.get("/portal")).text
    assert "Aubert" in seen_a and "Bernard" not in seen_a
    assert "Bernard" in seen_b and "Aubert" not in seen_b


# --- command line ------------------------------------------------------------------------

def test_the_cli_imports_people_and_reports_errors_in_french(tmp_path, sqlite_template):
    path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, path)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO site (code, name, address, active) VALUES ('AUB', 'Aubiers', "
                     "'', 1)")
        conn.execute("INSERT INTO partner_org (name, org_type, siret, commune, active) VALUES "
                     "('CCAS de Bordeaux', 'ccas', NULL, 'Bordeaux', 1)")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(sheet({"site": ""}, {"first_name": "Paul", "site": ""}), encoding="utf-8")
    bad.write_text(sheet({"first_name": "Paul"}, {"birth_year": "1850"}), encoding="utf-8")

    def run(file, *options):
        return subprocess.run([sys.executable, "-m", "inventory", "import-people", str(file),
                               *options], env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=120)

    done = run(good, "--site", "AUB")
    assert done.returncode == 0, done.stderr
    assert "2 personne(s) importée(s)." in done.stdout
    failed = run(bad)
    assert failed.returncode != 0
    assert "ligne 3 : L’année de naissance doit être comprise entre 1900" in failed.stderr
    assert "rien n'a été importé" in failed.stderr
    nowhere = run(good, "--site", "NOPE")
    assert nowhere.returncode != 0 and "Aucun site avec le code « NOPE »" in nowhere.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM beneficiary").fetchone()[0] == 2
