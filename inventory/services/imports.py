"""CSV imports from the back office: the same importers as the command line (items, a batch
of connection cards, partner organisations, people already followed), all or nothing, errors
reported by line."""

from __future__ import annotations

from enum import StrEnum

from inventory.csvio import EXPORT_COLUMNS, import_items
from inventory.domain.cards import BATCH_COLUMNS
from inventory.domain.errors import Gettext, InvalidInput, N_
from inventory.domain.spreadsheet import FileRejected, LineError
from inventory.services.cards import receive_batch
from inventory.services.common import Actor
from inventory.services.partners import CSV_COLUMNS as ORG_COLUMNS
from inventory.services.partners import import_orgs
from inventory.services.people_import import CSV_COLUMNS as PEOPLE_COLUMNS
from inventory.services.people_import import import_people

MAX_BYTES = 1_000_000  # ~10,000 lines of items: larger files go in parts, or by the CLI
MAX_ERRORS_SHOWN = 200


class ImportKind(StrEnum):
    ITEMS = "items"
    CARDS = "cards"
    ORGS = "orgs"
    PEOPLE = "people"


# What each import needs from the person, and the columns its first line names.
PERMISSION = {ImportKind.ITEMS: "items.create", ImportKind.CARDS: "cards.receive",
              ImportKind.ORGS: "orgs.write", ImportKind.PEOPLE: "beneficiaries.import"}
COLUMNS = {ImportKind.ITEMS: EXPORT_COLUMNS, ImportKind.CARDS: BATCH_COLUMNS,
           ImportKind.ORGS: ORG_COLUMNS, ImportKind.PEOPLE: PEOPLE_COLUMNS}
KIND_LABELS = {ImportKind.ITEMS: N_("Items (devices and cards, one per line)"),
               ImportKind.CARDS: N_("A batch of connection cards from an operator"),
               ImportKind.ORGS: N_("Partner organisations"),
               ImportKind.PEOPLE: N_("People already followed (from the association's "
                                     "spreadsheet)")}


class FileTooLarge(InvalidInput):
    message = N_("The file is too large: at most {limit} kB. Split it into several files.")


class NotUtf8(InvalidInput):
    message = N_("The file is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8”.")


class ImportRejected(Exception):
    """The file had errors; nothing was imported. ``problems`` are sorted by line."""

    def __init__(self, problems: list[LineError], total: int) -> None:
        super().__init__(f"{total} error(s)")
        self.problems = problems
        self.total = total


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV (a spreadsheet's BOM removed), as the CLI reads a file."""
    if len(data) > MAX_BYTES:
        raise FileTooLarge(limit=MAX_BYTES // 1000)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotUtf8() from None


def _rejected(errors: list[LineError]) -> ImportRejected:
    """The first errors of a rejected file (already in line order), and how many in all."""
    return ImportRejected(errors[:MAX_ERRORS_SHOWN], len(errors))


async def run_import(kind: ImportKind, actor: Actor, text: str, *, prefix: str,
                     gettext: Gettext, locale: str, site_code: str = "",
                     intake_batch: str = "", org_name: str = "") -> int:
    """Import every line or none; how many records were created. A file with errors raises
    ImportRejected, a problem with the request itself a DomainError. For people,
    ``site_code`` and ``org_name`` stand for the file's empty site and partner_org cells."""
    try:
        if kind is ImportKind.ITEMS:
            return await import_items(actor, text, prefix, locale)
        if kind is ImportKind.CARDS:
            return len(await receive_batch(actor, site_code=site_code,
                                           intake_batch=intake_batch, text=text,
                                           prefix=prefix, gettext=gettext))
        if kind is ImportKind.PEOPLE:
            return await import_people(actor, text, gettext, site_code=site_code,
                                       org_name=org_name)
        return await import_orgs(actor, text, gettext)
    except FileRejected as exc:
        raise _rejected(exc.errors) from None
