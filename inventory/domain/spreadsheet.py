"""Reading what a spreadsheet saves as CSV, for every import: the table, yes/no cells, and
the file's errors by line.

Pure: text in, rows out (the imports check the rows with their own rules)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from inventory.domain.errors import InvalidInput, N_

YES = frozenset({"1", "true", "oui", "yes", "o", "y", "vrai"})
NO = frozenset({"0", "false", "non", "no", "n", "faux"})


@dataclass(frozen=True, slots=True)
class LineError:
    """What is wrong with one line of an imported file (line 1: the header, or the file)."""

    line: int
    message: str


class FileRejected(Exception):
    """An imported file had errors, listed by line; nothing of it was imported. Each import
    raises its own kind (items, cards, organisations, people)."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = sorted(errors, key=lambda e: e.line)


def read_table(text: str) -> csv.DictReader:
    """Comma- or semicolon-separated (a French spreadsheet's choice), column names cleaned
    (trimmed, lower case), a leading byte-order mark dropped."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text),
                            delimiter=";" if first.count(";") > first.count(",") else ",")
    if reader.fieldnames is not None:
        reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames]
    return reader


def yes_no(text: str, empty: bool = True) -> bool:
    """A yes/no cell (oui, non, 1, 0…); an empty one is ``empty``."""
    value = text.strip().lower()
    if not value:
        return empty
    if value in YES:
        return True
    if value in NO:
        return False
    raise InvalidInput(N_("“{value}” is not yes or no."), value=text[:20])
