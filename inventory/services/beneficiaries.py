"""Beneficiaries: register, find, read, edit and merge, each within the reader's scope.

A social worker sees the people their organisation referred; the front desk, those followed
at their site; coordinators and admins, everyone. Anything outside the scope is "not found",
never "forbidden", so nothing leaks. Reads by anyone but the front desk are logged, with ids
only, in the same transaction as the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inventory.db.tables import (
    Beneficiary, EligibilityDecision, PartnerOrg, Referral, Site,
)
from inventory.domain.access import Role, Scope, beneficiary_scope, reads_are_logged
from inventory.domain.eligibility import Situation
from inventory.domain import people
from inventory.domain.errors import Conflict, InvalidInput, N_, NotFound
from inventory.services.common import Actor, next_counter, today, unit_of_work, utcnow
from inventory.services.history import append_access

COLUMNS = (
    Beneficiary.id, Beneficiary.number, Beneficiary.first_name, Beneficiary.last_name,
    Beneficiary.phone, Beneficiary.email, Beneficiary.birth_year, Beneficiary.commune,
    Beneficiary.in_priority_area, Beneficiary.household_ref, Beneficiary.situation,
    Beneficiary.has_guardian, Beneficiary.consent_on, Beneficiary.consent_version,
    Beneficiary.partner_org, Beneficiary.referrer, Beneficiary.site, Beneficiary.notes,
    Beneficiary.merged_into, Beneficiary.created_at, Beneficiary.updated_at,
    Beneficiary.last_contact_on, Beneficiary.anonymised_at,
    Beneficiary.partner_org.name.as_alias("partner_org_name"),
    Beneficiary.site.code.as_alias("site_code"),
)
EDITABLE = ("first_name", "last_name", "phone", "email", "birth_year", "commune",
            "in_priority_area", "situation", "has_guardian", "consent_on", "consent_version",
            "site_code", "notes", "household_of")


class PossibleDuplicate(Conflict):
    """Someone with the same name, birth year and phone is already recorded."""

    message = N_("A person with the same name, birth year and phone is already recorded "
                 "(number {numbers}). Open that record, or confirm that this is someone else.")

    def __init__(self, numbers: list[str]) -> None:
        self.numbers = numbers
        super().__init__(self.message, numbers=", ".join(numbers))


def scope_condition(actor: Actor):
    """The where-condition limiting beneficiaries to what ``actor`` may see (None: all)."""
    scope, key = beneficiary_scope(actor.role, site_id=actor.site_id,
                                   partner_org_id=actor.partner_org_id)
    if scope is Scope.ALL:
        return None
    if scope is Scope.ORGANISATION:
        return Beneficiary.partner_org == key
    if scope is Scope.SITE:
        return Beneficiary.site == key
    return Beneficiary.id < 0  # sees no one


def _scoped(query, actor: Actor):
    condition = scope_condition(actor)
    return query if condition is None else query.where(condition)


async def log_access(actor: Actor, action: str, beneficiary_ids: list[int]) -> None:
    """Write who read which records (ids only), unless the reader is front desk."""
    if not reads_are_logged(actor.role) or not beneficiary_ids:
        return
    await append_access(actor.user_id, actor.role, action, beneficiary_ids)


async def find_visible(actor: Actor, number: str) -> dict[str, Any]:
    """A beneficiary the actor may see, by number; NotFound for everything else."""
    row = await _scoped(Beneficiary.select(*COLUMNS).where(Beneficiary.number == number),
                        actor).first()
    if row is None:
        raise NotFound(N_("No beneficiary with number “{number}”."), number=number[:20])
    return row


async def get_beneficiary(actor: Actor, number: str) -> dict[str, Any]:
    """Read one record; the reading is logged."""
    async with unit_of_work():
        row = await find_visible(actor, number)
        await log_access(actor, "beneficiary.read", [row["id"]])
    return row


async def site_id_of(code: str) -> int:
    row = await Site.select(Site.id).where(Site.code == code).first()
    if row is None:
        raise NotFound(N_("No site with code “{code}”."), code=code[:20])
    return row["id"]


async def referring_org(actor: Actor, partner_org_id: int | None) -> int:
    """The organisation comes from a social worker's account, never from what they send."""
    if actor.role == Role.SOCIAL_WORKER:
        if partner_org_id is not None and partner_org_id != actor.partner_org_id:
            raise InvalidInput(N_("The referring organisation is the one of your account; "
                                  "do not send another one."))
        partner_org_id = actor.partner_org_id
    if partner_org_id is None:
        raise InvalidInput(N_("Say which partner organisation referred this person."))
    org = await PartnerOrg.select(PartnerOrg.active).where(
        PartnerOrg.id == partner_org_id).first()
    if org is None:
        raise NotFound(N_("No partner organisation with number {id}."), id=partner_org_id)
    if not org["active"]:
        raise InvalidInput(N_("This partner organisation is no longer active."))
    return partner_org_id


def clean_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise the personal fields present in ``data``."""
    cleaned = dict(data)
    for name in ("first_name", "last_name", "commune"):
        if name in cleaned:
            cleaned[name] = " ".join(str(cleaned[name]).split())
            if not cleaned[name]:
                raise InvalidInput(N_("The field “{field}” cannot be empty."), field=name)
    if "phone" in cleaned:
        cleaned["phone"] = people.clean_phone(cleaned["phone"])
    if "email" in cleaned:
        cleaned["email"] = people.clean_email(cleaned["email"])
    if "birth_year" in cleaned:
        cleaned["birth_year"] = people.check_birth_year(cleaned["birth_year"], today())
    if "notes" in cleaned:
        cleaned["notes"] = people.check_notes(cleaned["notes"] or "")
    if "situation" in cleaned:
        try:
            cleaned["situation"] = Situation(cleaned["situation"])
        except ValueError:
            raise InvalidInput(N_("Unknown social situation “{value}”; known: {known}."),
                               value=str(cleaned["situation"])[:40],
                               known=", ".join(s.value for s in Situation)) from None
    if "consent_on" in cleaned and cleaned["consent_on"] > today():
        raise InvalidInput(N_("The consent date cannot be in the future."))
    if "last_contact_on" in cleaned:
        cleaned["last_contact_on"] = people.check_last_contact(
            cleaned["last_contact_on"], cleaned.get("consent_on"), today())
    return cleaned


async def _household(actor: Actor, number: str | None, own_number: str) -> str:
    """A household reference: the number of its first recorded member."""
    if not number:
        return own_number
    other = await find_visible(actor, number)
    return other["household_ref"]


async def _duplicates(actor: Actor, key: str, exclude_id: int | None = None) -> list[str]:
    """Numbers of visible records with the same duplicate key."""
    query = Beneficiary.select(Beneficiary.number).where(
        (Beneficiary.duplicate_key == key) & Beneficiary.merged_into.is_null())
    if exclude_id is not None:
        query = query.where(Beneficiary.id != exclude_id)
    return [r["number"] for r in await _scoped(query, actor)]


async def create_beneficiary(actor: Actor, *, partner_org_id: int | None = None,
                             confirm_duplicate: bool = False, household_of: str | None = None,
                             site_code: str, **data: Any) -> dict[str, Any]:
    """Register a referred person; a likely duplicate the actor can see is refused unless
    confirmed (one outside their scope is left for the association to merge)."""
    fields = clean_fields(data)
    async with unit_of_work():
        org_id = await referring_org(actor, partner_org_id)
        site_id = await site_id_of(site_code)
        key = people.duplicate_key(fields["first_name"], fields["last_name"],
                                   fields["birth_year"], fields.get("phone"))
        if not confirm_duplicate and (numbers := await _duplicates(actor, key)):
            raise PossibleDuplicate(numbers)
        number = people.beneficiary_number(await next_counter("beneficiary"))
        row = _new_record(actor, fields, number=number, org_id=org_id, site_id=site_id,
                          key=key, household_ref=await _household(actor, household_of, number))
        await row.save()
        await log_access(actor, "beneficiary.create", [row.id])
        return await find_visible(actor, number)


def _new_record(actor: Actor, fields: dict[str, Any], *, number: str, org_id: int,
                site_id: int, key: str, household_ref: str) -> Beneficiary:
    """The row of a person being registered; the last contact is today unless given."""
    now = utcnow()
    return Beneficiary(
        **{"last_contact_on": today(), **fields}, number=number, partner_org=org_id,
        site=site_id, referrer=actor.user_id if actor.role == Role.SOCIAL_WORKER else None,
        search_name=people.search_key(fields["first_name"], fields["last_name"]),
        duplicate_key=key, household_ref=household_ref, created_at=now, updated_at=now,
    )


@dataclass(frozen=True, slots=True)
class CheckedPerson:
    """A person whose registration was checked by the caller: fields through ``_clean``, an
    organisation that ``_referring_org`` accepted, a known site, duplicates looked for."""

    fields: dict[str, Any]
    partner_org_id: int
    site_id: int
    key: str


_INSERT_BATCH = 200  # rows per INSERT: 200 x 24 parameters fit every driver


async def register_checked(actor: Actor, persons: list[CheckedPerson]) -> list[str]:
    """Register many people at once (an import, which checks the whole file first): numbered
    in order, inserted in batches, each with the access-log entry of a registration."""
    if not persons:
        return []
    async with unit_of_work():
        last = await next_counter("beneficiary", len(persons))
        numbers = [people.beneficiary_number(n)
                   for n in range(last - len(persons) + 1, last + 1)]
        rows = [_new_record(actor, p.fields, number=number, org_id=p.partner_org_id,
                            site_id=p.site_id, key=p.key, household_ref=number)
                for p, number in zip(persons, numbers)]
        ids: list[int] = []
        for start in range(0, len(rows), _INSERT_BATCH):
            chunk = numbers[start:start + _INSERT_BATCH]
            await Beneficiary.insert(*rows[start:start + _INSERT_BATCH])
            ids += [r["id"] for r in await Beneficiary.select(Beneficiary.id).where(
                Beneficiary.number.is_in(chunk)).order_by(Beneficiary.id)]
        await log_access(actor, "beneficiary.create", ids)
    return numbers


async def update_beneficiary(actor: Actor, number: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Edit a record in scope; the log says which fields changed, not their values."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(N_("These fields cannot be changed: {fields}."),
                           fields=", ".join(unknown))
    fields = clean_fields(changes)
    async with unit_of_work():
        current = await find_visible(actor, number)
        if current["anonymised_at"] is not None:
            raise Conflict(N_("This record was anonymised: its identity cannot be filled in "
                              "again. Register the person anew if they come back."))
        if "site_code" in fields:
            fields["site"] = await site_id_of(fields.pop("site_code"))
        if "household_of" in fields:
            fields["household_ref"] = await _household(actor, fields.pop("household_of"),
                                                       current["number"])
        merged = {**current, **fields}
        fields["search_name"] = people.search_key(merged["first_name"], merged["last_name"])
        fields["duplicate_key"] = people.duplicate_key(
            merged["first_name"], merged["last_name"], merged["birth_year"], merged["phone"])
        await Beneficiary.update({**fields, Beneficiary.updated_at: utcnow()}).where(
            Beneficiary.id == current["id"])
        await log_access(actor, "beneficiary.update", [current["id"]])
        return await find_visible(actor, number)


@dataclass(frozen=True, slots=True)
class Search:
    text: str = ""
    site_code: str | None = None
    include_merged: bool = False
    page: int = 1
    per_page: int = 50


async def search_beneficiaries(actor: Actor, search: Search) -> tuple[list[dict[str, Any]], int]:
    """Find people by name (accents and case ignored), number or phone, within the scope."""
    query = people.read_query(search.text)
    conditions = []
    if query.number:
        conditions.append(Beneficiary.number == query.number)
    elif query.phone:
        conditions.append(Beneficiary.phone == query.phone)
    for word in query.words:
        conditions.append(Beneficiary.search_name.like(f"%{_escape_like(word)}%"))
    if search.site_code:
        conditions.append(Beneficiary.site.code == search.site_code)
    if not search.include_merged:
        conditions.append(Beneficiary.merged_into.is_null())
    rows_q = _scoped(Beneficiary.select(*COLUMNS), actor)
    count_q = _scoped(Beneficiary.count(), actor)
    for condition in conditions:
        rows_q, count_q = rows_q.where(condition), count_q.where(condition)
    offset = (search.page - 1) * search.per_page
    async with unit_of_work():
        rows = await rows_q.order_by(Beneficiary.search_name, Beneficiary.id).limit(
            search.per_page).offset(offset)
        total = await count_q
        await log_access(actor, "beneficiary.search", [r["id"] for r in rows])
    return rows, total


def _escape_like(word: str) -> str:
    # Folded words hold letters, digits and underscores only; "_" is a LIKE wildcard.
    return word.replace("_", "")


async def merge_beneficiaries(actor: Actor, duplicate: str, keep: str) -> dict[str, Any]:
    """Fold a duplicate record into the one kept: its referrals and decisions move over."""
    if duplicate == keep:
        raise InvalidInput(N_("A record cannot be merged into itself."))
    async with unit_of_work():
        source = await find_visible(actor, duplicate)
        target = await find_visible(actor, keep)
        if source["merged_into"] or target["merged_into"]:
            raise Conflict(N_("One of these records was already merged into another."))
        for table in (Referral, EligibilityDecision):
            await table.update({table.beneficiary: target["id"]}).where(
                table.beneficiary == source["id"])
        await Beneficiary.update({Beneficiary.merged_into: target["number"],
                                  Beneficiary.updated_at: utcnow()}).where(
            Beneficiary.id == source["id"])
        await log_access(actor, "beneficiary.merge", [source["id"], target["id"]])
        return await find_visible(actor, keep)


_SCOPE_SQL = {Scope.ALL: "", Scope.ORGANISATION: " AND partner_org = {}",
              Scope.SITE: " AND site = {}"}
_DUPLICATE_KEYS = ("SELECT duplicate_key FROM beneficiary WHERE merged_into IS NULL{scope} "
                   "GROUP BY duplicate_key HAVING COUNT(*) > 1 ORDER BY MIN(id) "
                   "LIMIT {{}} OFFSET {{}}")


async def possible_duplicates(actor: Actor, *, page: int = 1,
                              per_page: int = 50) -> list[list[str]]:
    """One page of groups of numbers sharing a duplicate key (the group of the oldest record
    first), for the association to check and merge; grouped by the database, not read whole."""
    scope, key = beneficiary_scope(actor.role, site_id=actor.site_id,
                                   partner_org_id=actor.partner_org_id)
    if scope is Scope.NONE:
        return []
    scoped = () if scope is Scope.ALL else (key,)
    keys = [r["duplicate_key"] for r in await Beneficiary.raw(
        _DUPLICATE_KEYS.format(scope=_SCOPE_SQL[scope]), *scoped, per_page,
        (page - 1) * per_page)]
    if not keys:
        return []
    rows = await _scoped(Beneficiary.select(Beneficiary.number, Beneficiary.duplicate_key).where(
        Beneficiary.merged_into.is_null() & Beneficiary.duplicate_key.is_in(keys)),
        actor).order_by(Beneficiary.id)
    groups: dict[str, list[str]] = {k: [] for k in keys}
    for row in rows:
        groups[row["duplicate_key"]].append(row["number"])
    return [numbers for numbers in groups.values() if len(numbers) > 1]
