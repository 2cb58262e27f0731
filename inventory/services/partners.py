"""Partner organisations: create, edit, list, and import a CSV file all or nothing."""

from __future__ import annotations

from typing import Any

from inventory.db.tables import PartnerOrg
from inventory.domain.errors import DomainError, InvalidInput, N_, NotFound
from inventory.domain.people import OrgType, clean_siret
from inventory.domain.spreadsheet import FileRejected, LineError, read_table, yes_no
from inventory.services.common import Actor, unit_of_work

COLUMNS = (PartnerOrg.id, PartnerOrg.name, PartnerOrg.org_type, PartnerOrg.siret,
           PartnerOrg.commune, PartnerOrg.active)
CSV_COLUMNS = ("name", "org_type", "siret", "commune", "active")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise an organisation's fields (only those present)."""
    cleaned = dict(data)
    if "name" in cleaned:
        cleaned["name"] = " ".join(str(cleaned["name"]).split())
        if not cleaned["name"]:
            raise InvalidInput(N_("The organisation needs a name."))
    if "org_type" in cleaned:
        try:
            cleaned["org_type"] = OrgType(cleaned["org_type"])
        except ValueError:
            raise InvalidInput(N_("Unknown type of organisation “{value}”; known types: "
                                  "{known}."), value=str(cleaned["org_type"])[:40],
                               known=", ".join(t.value for t in OrgType)) from None
    if "siret" in cleaned:
        cleaned["siret"] = clean_siret(cleaned["siret"])
    if "commune" in cleaned:
        cleaned["commune"] = " ".join(str(cleaned["commune"]).split())
    return cleaned


async def get_org(org_id: int) -> dict[str, Any]:
    row = await PartnerOrg.select(*COLUMNS).where(PartnerOrg.id == org_id).first()
    if row is None:
        raise NotFound(N_("No partner organisation with number {id}."), id=org_id)
    return row


async def create_org(actor: Actor, **data: Any) -> dict[str, Any]:
    """A new partner organisation; a SIRET, when given, must be valid and not yet known."""
    fields = _clean({"org_type": OrgType.ASSOCIATION, "active": True, **data})
    async with unit_of_work():
        row = PartnerOrg(**fields)
        await row.save()
    return await get_org(row.id)


async def update_org(actor: Actor, org_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Edit an organisation; deactivating it stops new referrals, keeps its people's records."""
    fields = _clean(changes)
    async with unit_of_work():
        await get_org(org_id)
        if fields:
            await PartnerOrg.update(fields).where(PartnerOrg.id == org_id)
    return await get_org(org_id)


async def list_orgs(*, active_only: bool = False, page: int = 1,
                    per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of organisations by name, and how many there are."""
    query, count = PartnerOrg.select(*COLUMNS), PartnerOrg.count()
    if active_only:
        query = query.where(PartnerOrg.active.eq(True))
        count = count.where(PartnerOrg.active.eq(True))
    rows = await query.order_by(PartnerOrg.name).order_by(PartnerOrg.id).limit(
        per_page).offset((page - 1) * per_page)
    return rows, await count


class OrgImportFailed(FileRejected):
    """The file had errors; nothing was imported."""


def _read_rows(text: str, gettext) -> tuple[list[tuple[int, dict[str, Any]]], list[LineError]]:
    reader = read_table(text)
    missing = [c for c in ("name",) if c not in (reader.fieldnames or [])]
    if reader.fieldnames is None or missing:
        return [], [LineError(1, gettext(N_("The first line must name the columns: {columns}."))
                              .format(columns=", ".join(CSV_COLUMNS)))]
    unknown = sorted(set(reader.fieldnames) - set(CSV_COLUMNS))
    if unknown:
        return [], [LineError(1, gettext(N_("Unknown column(s): {columns}."))
                              .format(columns=", ".join(unknown)))]
    rows, errors = [], []
    for row in reader:
        try:
            if None in row:
                raise InvalidInput(N_("This line has more cells than there are columns."))
            data = {k: (v or "").strip() for k, v in row.items()}
            data["active"] = yes_no(data.get("active", ""))
            if not data.get("org_type"):
                data.pop("org_type", None)
            rows.append((reader.line_num, _clean(data)))
        except DomainError as exc:
            errors.append(LineError(reader.line_num, exc.render(gettext)))
    return rows, errors


async def import_orgs(actor: Actor, text: str, gettext) -> int:
    """Import every row or none: each row is checked first, then all go in one transaction."""
    rows, errors = _read_rows(text, gettext)
    if errors:
        raise OrgImportFailed(errors)
    async with unit_of_work():
        for line, data in rows:
            try:
                await create_org(actor, **data)
            except DomainError as exc:
                raise OrgImportFailed([LineError(line, exc.render(gettext))]) from exc
    return len(rows)
