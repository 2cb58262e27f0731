"""Sites of the association: open one, rename it, close or reopen it; one page at a time."""

from __future__ import annotations

from typing import Any

from inventory.db.tables import Site
from inventory.domain.errors import N_, NotFound
from inventory.domain.staff import clean_site_code
from inventory.services.common import Actor, unit_of_work

COLUMNS = (Site.id, Site.code, Site.name, Site.address, Site.active)
CHOICES_MAX = 200  # a select of sites; an association has a handful


async def list_sites(*, page: int = 1, per_page: int = 50,
                     active_only: bool = False) -> tuple[list[dict[str, Any]], int]:
    """One page of sites by code, and how many there are."""
    query, count = Site.select(*COLUMNS), Site.count()
    if active_only:
        query, count = query.where(Site.active.eq(True)), count.where(Site.active.eq(True))
    rows = await query.order_by(Site.code).limit(per_page).offset((page - 1) * per_page)
    return rows, await count


async def site_choices() -> list[dict[str, Any]]:
    """Open sites for a select, by code."""
    return await Site.select(Site.code, Site.name).where(Site.active.eq(True)).order_by(
        Site.code).limit(CHOICES_MAX)


async def get_site(code: str) -> dict[str, Any]:
    row = await Site.select(*COLUMNS).where(Site.code == code).first()
    if row is None:
        raise NotFound(N_("No site with code “{code}”."), code=code)
    return row


async def create_site(actor: Actor, *, code: str, name: str, address: str = "") -> dict[str, Any]:
    """Open a site; its code is unique (a code already used is a Conflict)."""
    code = clean_site_code(code)
    async with unit_of_work():
        await Site.insert(Site(code=code, name=name.strip(), address=address.strip()))
    return await get_site(code)


async def update_site(actor: Actor, code: str, *, name: str | None = None,
                      address: str | None = None, active: bool | None = None) -> dict[str, Any]:
    """Rename, re-address, close or reopen a site (its items and history stay)."""
    changes = {column: value for column, value in (
        (Site.name, name.strip() if name is not None else None),
        (Site.address, address.strip() if address is not None else None),
        (Site.active, active)) if value is not None}
    async with unit_of_work():
        if changes:
            await Site.update(changes).where(Site.code == code)
        return await get_site(code)
