"""The command line: CSV import (all or nothing), export (formula-safe), demo data."""

import csv
import io
import os
import subprocess
import sys

import pytest

from inventory.csvio import ImportFailed, export_items, import_items, neutralise
from inventory.db.tables import Item, ItemEvent
from inventory.services.common import SYSTEM
from tests.conftest import ROOT
from tests.factories import make_item, make_site

HEADER = "kind,site_code,brand,model,serial,ram_gb,accessories,operator,iccid\n"


async def test_a_valid_file_imports_every_row_with_history(db):
    await make_site()
    text = HEADER + ("laptop,AUB,Dell,Latitude 5490,SN1,8,chargeur|housse,,\n"
                     "sim,AUB,,,,,,Orange,8933100000000000001\n")
    assert await import_items(SYSTEM, text, "ESN") == 2
    assert await Item.count() == 2
    assert await ItemEvent.count() == 2


async def test_one_bad_row_imports_nothing_and_names_the_line(db):
    await make_site()
    text = HEADER + ("laptop,AUB,Dell,Latitude,SN1,8,,,\n"
                     "laptop,AUB,Dell,Latitude,SN2,huit,,,\n"
                     "toaster,AUB,,,,,,,\n")
    with pytest.raises(ImportFailed) as failed:
        await import_items(SYSTEM, text, "ESN")
    assert [e.line for e in failed.value.errors] == [3, 4]
    assert await Item.count() == 0


async def test_a_row_conflicting_with_the_database_rolls_back_the_whole_file(db):
    await make_site()
    await make_item(serial="SN2")
    text = HEADER + "laptop,AUB,Dell,A,SN1,8,,,\nlaptop,AUB,Dell,B,SN2,8,,,\n"
    with pytest.raises(ImportFailed) as failed:
        await import_items(SYSTEM, text, "ESN")
    assert failed.value.errors[0].line == 3
    assert "n° de série" in failed.value.errors[0].message
    assert await Item.count() == 1


async def test_the_export_neutralises_formulas_and_never_carries_a_voucher(db):
    await make_site()
    await make_item(model="=HYPERLINK(\"http://evil\")", ram_gb=8)
    await make_item("sim", operator="Orange", voucher_code="55554444333322")
    out = io.StringIO()
    assert await export_items(out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["model"] == "'=HYPERLINK(\"http://evil\")"
    assert rows[0]["ram_gb"] == "8"
    assert "55554444333322" not in out.getvalue()


@pytest.mark.parametrize("value", ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value):
    assert neutralise(value) == "'" + value
    assert neutralise(12) == 12 and neutralise("Dell") == "Dell"


def test_the_cli_import_reports_errors_by_line_and_exits_non_zero(tmp_path, sqlite_template):
    import shutil

    path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, path)
    bad = tmp_path / "items.csv"
    bad.write_text(HEADER + "laptop,NOPE,Dell,A,SN1,8,,,\n", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    done = subprocess.run([sys.executable, "-m", "inventory", "import-items", str(bad)],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "ligne 2" in done.stderr and "AUB" not in done.stderr
    assert "rien n'a été importé" in done.stderr
