"""What a spreadsheet saves as CSV, read the same way by every import."""

import pytest

from inventory.domain.errors import InvalidInput
from inventory.domain.spreadsheet import read_table, yes_no


@pytest.mark.parametrize("text", [
    "Name,Commune\nCCAS,Bordeaux\n",
    "\ufeffname;commune\nCCAS;Bordeaux\n",  # LibreOffice/Excel in French: BOM and semicolons
    " NAME ; Commune \nCCAS;Bordeaux\n",
])
def test_commas_or_semicolons_and_column_names_cleaned(text):
    rows = list(read_table(text))
    assert [{k: v.strip() for k, v in row.items()} for row in rows] == [
        {"name": "CCAS", "commune": "Bordeaux"}]


def test_a_comma_inside_a_semicolon_file_stays_in_its_cell():
    rows = list(read_table("name;commune\nCCAS, antenne nord;Bordeaux\n"))
    assert rows == [{"name": "CCAS, antenne nord", "commune": "Bordeaux"}]


@pytest.mark.parametrize(("cell", "value"), [
    ("oui", True), ("OUI", True), (" o ", True), ("1", True), ("vrai", True), ("yes", True),
    ("non", False), ("Non", False), ("0", False), ("faux", False), ("n", False),
])
def test_yes_and_no_in_french_or_english(cell, value):
    assert yes_no(cell) is value


def test_an_empty_cell_takes_the_default_and_anything_else_is_refused():
    assert yes_no("") is True and yes_no("  ", empty=False) is False
    with pytest.raises(InvalidInput):
        yes_no("peut-être")
