"""Importing partner organisations from CSV: every row checked, all or nothing."""

import os
import shutil
import subprocess
import sys

import pytest

from inventory.db.tables import PartnerOrg
from inventory.i18n import gettext_for
from inventory.services.common import SYSTEM
from inventory.services.partners import OrgImportFailed, import_orgs
from tests.conftest import ROOT

FR = gettext_for("fr")
HEADER = "name,org_type,siret,commune,active\n"


async def test_a_valid_file_imports_every_organisation(db):
    text = ("\ufeff" + HEADER
            + "CCAS de Bordeaux,ccas,732 829 320 00074,Bordeaux,oui\n"
            + "Mission locale,mission_locale,,Bordeaux,\n"
            + "Ancien partenaire,association,,Cenon,non\n")
    assert await import_orgs(SYSTEM, text, FR) == 3
    rows = await PartnerOrg.select().order_by(PartnerOrg.name)
    assert [(r["name"], r["siret"], r["active"]) for r in rows] == [
        ("Ancien partenaire", None, False), ("CCAS de Bordeaux", "73282932000074", True),
        ("Mission locale", None, True)]


async def test_bad_rows_are_reported_by_line_and_nothing_is_imported(db):
    text = (HEADER + "CCAS,ccas,73282932000074,Bordeaux,oui\n"
            + "Bad SIRET,ccas,73282932000075,Bordeaux,oui\n"
            + "Unknown type,club,,Bordeaux,oui\n"
            + ",ccas,,Bordeaux,peut-être\n")
    with pytest.raises(OrgImportFailed) as failed:
        await import_orgs(SYSTEM, text, FR)
    errors = {e.line: e.message for e in failed.value.errors}
    assert sorted(errors) == [3, 4, 5]
    assert "SIRET" in errors[3] and "club" in errors[4]
    assert await PartnerOrg.count() == 0


async def test_a_siret_repeated_in_the_file_rolls_everything_back(db):
    text = (HEADER + "A,ccas,73282932000074,Bordeaux,oui\n"
            + "B,ccas,73282932000074,Bordeaux,oui\n")
    with pytest.raises(OrgImportFailed) as failed:
        await import_orgs(SYSTEM, text, FR)
    assert failed.value.errors[0].line == 3
    assert "SIRET" in failed.value.errors[0].message
    assert await PartnerOrg.count() == 0


@pytest.mark.parametrize("text", ["", "nom,type\nA,ccas\n", "name,colour\nA,red\n"])
async def test_a_file_without_the_expected_columns_is_refused(db, text):
    with pytest.raises(OrgImportFailed) as failed:
        await import_orgs(SYSTEM, text, FR)
    assert failed.value.errors[0].line == 1


def test_the_cli_imports_organisations_and_reports_errors(tmp_path, sqlite_template):
    path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, path)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(HEADER + "CCAS de Bordeaux,ccas,,Bordeaux,oui\n", encoding="utf-8")
    bad.write_text(HEADER + "X,ccas,123,Bordeaux,oui\n", encoding="utf-8")

    def run(file):
        return subprocess.run([sys.executable, "-m", "inventory", "import-orgs", str(file)],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)

    done = run(good)
    assert done.returncode == 0, done.stderr
    assert "1 structure(s) partenaire(s) importée(s)" in done.stdout
    failed = run(bad)
    assert failed.returncode != 0
    assert "ligne 2" in failed.stderr and "14 chiffres" in failed.stderr
