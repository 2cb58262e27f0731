"""Importing people already followed before the service (the association's spreadsheet):
every line checked with the rules of registration, then all in one transaction, or none.

The checks are those of ``create_beneficiary`` (the same cleaning, organisation, site and
duplicate rules), made for the whole file at once so that every bad line is reported; then the
people are registered in batches (numbers, and the access-log entry of a registration, for
each). The date of last contact comes from the file: retention is counted from it. No notes
column: free text about people stays out of bulk files.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from inventory.db.tables import Beneficiary, PartnerOrg
from inventory.domain import people
from inventory.domain.cards import parse_date
from inventory.domain.errors import Conflict, DomainError, Gettext, InvalidInput, N_, NotFound
from inventory.domain.spreadsheet import FileRejected, LineError, read_table, yes_no
from inventory.services.beneficiaries import (
    CheckedPerson, PossibleDuplicate, clean_fields, referring_org, register_checked,
    scope_condition, site_id_of,
)
from inventory.services.common import Actor, unit_of_work

CSV_COLUMNS = ("last_name", "first_name", "birth_year", "phone", "commune", "in_priority_area",
               "situation", "site", "partner_org", "consent_on", "consent_version",
               "last_contact_on", "confirm_duplicate")
REQUIRED_COLUMNS = ("last_name", "first_name", "birth_year", "commune", "situation",
                    "consent_on")
_LIMITED = ("first_name", "last_name", "commune", "consent_version")  # Varchar in the table
_CHUNK = 500  # values per IN (…): well under SQLite's limit on query parameters

SAME_AS_LINE = N_("Probably the same person as line {line} (same name, birth year and "
                  "phone). If they are two people, write “oui” in the column "
                  "confirm_duplicate.")
CONFIRM_HINT = N_("If this is someone else, write “oui” in the column confirm_duplicate.")
NO_CONSENT = N_("The consent date is missing: only people who agreed to their data being "
                "kept may be imported.")


class PeopleImportFailed(FileRejected):
    """The file had errors; no one was imported."""


@dataclass(slots=True)
class PersonLine:
    """One checked line: the fields as ``create_beneficiary`` takes them, and where it goes."""

    line: int
    fields: dict[str, Any]
    site_code: str
    org_name: str
    confirm: bool
    key: str
    org_id: int = 0
    site_id: int = 0


def _person(cells: dict[str, str]) -> dict[str, Any]:
    """A line's personal fields, checked by the rules of registration."""
    data: dict[str, Any] = {name: cells.get(name, "") for name in
                            ("first_name", "last_name", "commune")}
    data["birth_year"] = people.read_birth_year(cells.get("birth_year", ""))
    data["phone"] = cells.get("phone") or None
    data["in_priority_area"] = yes_no(cells.get("in_priority_area", ""), empty=False)
    data["situation"] = cells.get("situation", "").lower()
    if not cells.get("consent_on"):
        raise InvalidInput(NO_CONSENT)
    data["consent_on"] = parse_date(cells["consent_on"])
    data["consent_version"] = cells.get("consent_version") or people.CONSENT_VERSION
    if cells.get("last_contact_on"):
        data["last_contact_on"] = parse_date(cells["last_contact_on"])
    fields = clean_fields(data)
    for name in _LIMITED:
        limit = Beneficiary._meta.get_column_by_name(name).length
        if len(fields[name]) > limit:
            raise InvalidInput(N_("The field “{field}” has at most {limit} characters."),
                               field=name, limit=limit)
    return fields


def _line(number: int, cells: dict[str, str], site_code: str, org_name: str) -> PersonLine:
    fields = _person(cells)
    site = cells.get("site", "").upper() or site_code
    if not site:
        raise InvalidInput(N_("The field “{field}” cannot be empty."), field="site")
    org = " ".join(cells.get("partner_org", "").split()) or org_name
    if not org:
        raise InvalidInput(N_("Say which partner organisation referred this person."))
    key = people.duplicate_key(fields["first_name"], fields["last_name"],
                               fields["birth_year"], fields.get("phone"))
    return PersonLine(number, fields, site, org,
                      yes_no(cells.get("confirm_duplicate", ""), empty=False), key)


def _header_error(columns: list[str] | None, required: list[str],
                  gettext: Gettext) -> LineError | None:
    if not columns:
        return LineError(1, gettext(N_("The file is empty.")))
    missing = [c for c in required if c not in columns]
    if missing:
        return LineError(1, gettext(N_("The first line must name the columns: {columns}."))
                         .format(columns=", ".join(required)))
    unknown = sorted(set(columns) - set(CSV_COLUMNS))
    if unknown:
        return LineError(1, gettext(N_("Unknown column(s): {columns}.")).format(
            columns=", ".join(unknown)[:200]))
    return None


def read_people(text: str, gettext: Gettext, *, site_code: str = "",
                org_name: str = "") -> tuple[list[PersonLine], list[LineError]]:
    """Check every line of the file (no database needed); errors carry the line number.
    ``site_code`` and ``org_name`` stand for an empty or missing site or partner_org cell."""
    reader = read_table(text)
    required = [*REQUIRED_COLUMNS, *(() if site_code else ("site",)),
                *(() if org_name else ("partner_org",))]
    problem = _header_error(reader.fieldnames, required, gettext)
    if problem:
        return [], [problem]
    lines: list[PersonLine] = []
    errors: list[LineError] = []
    first_of: dict[str, int] = {}
    for row in reader:
        number = reader.line_num
        try:
            cells = [v for k, v in row.items() if k is not None] + list(row.get(None) or [])
            if not any((v or "").strip() for v in cells):
                continue  # the empty rows a spreadsheet leaves at the end
            if None in row:
                raise InvalidInput(N_("This line has more cells than there are columns."))
            if None in row.values():
                raise InvalidInput(N_("This line has fewer cells than there are columns."))
            line = _line(number, {k: v.strip() for k, v in row.items()}, site_code, org_name)
        except DomainError as exc:
            errors.append(LineError(number, exc.render(gettext)))
            continue
        if line.key in first_of and not line.confirm:
            errors.append(LineError(number, gettext(SAME_AS_LINE).format(
                line=first_of[line.key])))
            continue
        first_of.setdefault(line.key, number)
        lines.append(line)
    if not lines and not errors:
        errors.append(LineError(1, gettext(N_("The file has no one to import."))))
    return lines, errors


async def _org_ids(names: list[str]) -> dict[str, list[int]]:
    """The ids of the organisations bearing each name exactly."""
    found: dict[str, list[int]] = defaultdict(list)
    for start in range(0, len(names), _CHUNK):
        for row in await PartnerOrg.select(PartnerOrg.id, PartnerOrg.name).where(
                PartnerOrg.name.is_in(names[start:start + _CHUNK])):
            found[row["name"]].append(row["id"])
    return found


async def _orgs(actor: Actor, names: list[str]) -> tuple[dict[str, int], dict[str, DomainError]]:
    """Each named organisation's id, or what is wrong with the name (unknown, ambiguous,
    or what a registration refuses: no longer active)."""
    ids: dict[str, int] = {}
    problems: dict[str, DomainError] = {}
    found = await _org_ids(names)
    for name in names:
        if not found.get(name):
            problems[name] = NotFound(N_("No partner organisation is named “{name}” (write the "
                                         "name as in the back office)."), name=name[:80])
        elif len(found[name]) > 1:
            problems[name] = Conflict(N_("Several partner organisations are named “{name}”: "
                                         "rename one in the back office."), name=name[:80])
        else:
            try:
                ids[name] = await referring_org(actor, found[name][0])
            except DomainError as exc:
                problems[name] = exc
    return ids, problems


async def _sites(codes: list[str]) -> tuple[dict[str, int], dict[str, DomainError]]:
    ids: dict[str, int] = {}
    problems: dict[str, DomainError] = {}
    for code in codes:
        try:
            ids[code] = await site_id_of(code)
        except NotFound as exc:
            problems[code] = exc
    return ids, problems


async def _known_people(actor: Actor, keys: list[str]) -> dict[str, list[str]]:
    """Numbers of the recorded people (within the actor's scope) sharing each key."""
    known: dict[str, list[str]] = defaultdict(list)
    scope = scope_condition(actor)
    for start in range(0, len(keys), _CHUNK):
        query = Beneficiary.select(Beneficiary.number, Beneficiary.duplicate_key).where(
            Beneficiary.duplicate_key.is_in(keys[start:start + _CHUNK])
            & Beneficiary.merged_into.is_null())
        if scope is not None:
            query = query.where(scope)
        for row in await query.order_by(Beneficiary.id):
            known[row["duplicate_key"]].append(row["number"])
    return known


async def _check_against_records(actor: Actor, lines: list[PersonLine],
                                 gettext: Gettext) -> list[LineError]:
    """Unknown sites and organisations, and people probably recorded already; fills in each
    line's organisation and site ids."""
    org_ids, org_problems = await _orgs(actor, sorted({line.org_name for line in lines}))
    site_ids, site_problems = await _sites(sorted({line.site_code for line in lines}))
    known = await _known_people(actor, sorted({line.key for line in lines
                                               if not line.confirm}))
    errors = []
    for line in lines:
        line.org_id = org_ids.get(line.org_name, 0)
        line.site_id = site_ids.get(line.site_code, 0)
        for problem in (site_problems.get(line.site_code), org_problems.get(line.org_name)):
            if problem:
                errors.append(LineError(line.line, problem.render(gettext)))
        if not line.confirm and known.get(line.key):
            errors.append(LineError(line.line, " ".join((
                PossibleDuplicate(known[line.key]).render(gettext), gettext(CONFIRM_HINT)))))
    return errors


async def _check_defaults(actor: Actor, site_code: str, org_name: str) -> None:
    """The site and organisation given for the whole file exist (else the request is wrong)."""
    if site_code:
        await site_id_of(site_code)
    if org_name:
        _ids, problems = await _orgs(actor, [org_name])
        if problems:
            raise problems[org_name]


async def import_people(actor: Actor, text: str, gettext: Gettext, *, site_code: str = "",
                        org_name: str = "") -> int:
    """Register every person of the file, or no one; how many were registered."""
    site_code, org_name = site_code.strip().upper(), " ".join(org_name.split())
    lines, errors = read_people(text, gettext, site_code=site_code, org_name=org_name)
    async with unit_of_work():
        await _check_defaults(actor, site_code, org_name)
        errors += await _check_against_records(actor, lines, gettext)
        if errors:
            raise PeopleImportFailed(errors)
        numbers = await register_checked(actor, [
            CheckedPerson(line.fields, line.org_id, line.site_id, line.key) for line in lines])
    return len(numbers)
