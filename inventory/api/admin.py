"""JSON API for sites and staff accounts."""

from __future__ import annotations

from typing import Any

from litestar.params import FromPath, JSONBody
from litestar import Controller, get, patch, post

from inventory.api.paging import PER_PAGE, PageParam, PerPageParam
from inventory.api.schemas import (
    PasswordReset, SiteCreate, SiteRead, SiteUpdate, UserCreate, UserRead, UserUpdate,
)
from inventory.db.tables import Site, StaffUser
from inventory.domain.errors import N_, NotFound
from inventory.services import auth as auth_svc
from inventory.services import sites as site_svc
from inventory.services.common import unit_of_work


def _site(row: dict[str, Any]) -> SiteRead:
    return SiteRead(id=row["id"], code=row["code"], name=row["name"], address=row["address"],
                    active=row["active"])


def _user(row: dict[str, Any]) -> UserRead:
    return UserRead(id=row["id"], username=row["username"], display_name=row["display_name"],
                    role=row["role"], site_id=row["site"], partner_org_id=row["partner_org"],
                    active=row["active"])


class SiteController(Controller):
    path = "/api/v1/sites"
    tags = ["sites"]

    @get("/", opt={"permission": "sites.read"})
    async def list_sites(self, page: PageParam = 1,
                         per_page: PerPageParam = PER_PAGE) -> list[SiteRead]:
        """The association's sites by code, one page at a time."""
        rows, _total = await site_svc.list_sites(page=page, per_page=per_page)
        return [_site(r) for r in rows]

    @post("/", opt={"permission": "sites.write"}, status_code=201)
    async def create(self, data: JSONBody[SiteCreate]) -> SiteRead:
        """Open a new site (antenna)."""
        async with unit_of_work():
            site = Site(code=data.code, name=data.name, address=data.address)
            await site.save()
        return _site(site.to_dict())

    @patch("/{code:str}", opt={"permission": "sites.write"})
    async def update(self, code: FromPath[str], data: JSONBody[SiteUpdate]) -> SiteRead:
        """Rename, re-address or close a site."""
        changes = {k: v for k, v in ((Site.name, data.name), (Site.address, data.address),
                                     (Site.active, data.active)) if v is not None}
        async with unit_of_work():
            if changes:
                await Site.update(changes).where(Site.code == code)
            row = await Site.select().where(Site.code == code).first()
        if row is None:
            raise NotFound(N_("No site with code “{code}”."), code=code)
        return _site(row)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]

    @get("/", opt={"permission": "users.read"})
    async def list_users(self, page: PageParam = 1,
                         per_page: PerPageParam = PER_PAGE) -> list[UserRead]:
        """Staff accounts by username, one page at a time (never their password hashes)."""
        rows, _total = await auth_svc.list_users(page=page, per_page=per_page)
        return [_user(r) for r in rows]

    @post("/", opt={"permission": "users.write"}, status_code=201)
    async def create(self, data: JSONBody[UserCreate]) -> UserRead:
        """Create a staff account."""
        created = await auth_svc.create_user(
            username=data.username, password=data.password, role=data.role,
            display_name=data.display_name, site_code=data.site_code,
            partner_org_id=data.partner_org_id, locale=data.locale)
        row = await StaffUser.select().where(StaffUser.id == created["id"]).first()
        return _user(row)

    @patch("/{user_id:int}", opt={"permission": "users.write"})
    async def update(self, user_id: FromPath[int], data: JSONBody[UserUpdate]) -> UserRead:
        """Enable or disable an account (disabling ends its sessions at once)."""
        await auth_svc.set_active(user_id, data.active)
        row = await StaffUser.select().where(StaffUser.id == user_id).first()
        return _user(row)

    @post("/{user_id:int}/password", opt={"permission": "users.write"}, status_code=200)
    async def reset_password(self, user_id: FromPath[int],
                             data: JSONBody[PasswordReset]) -> UserRead:
        """Set a new password for someone who lost theirs (or whose password leaked): all
        their sessions and API tokens end at once."""
        await auth_svc.reset_password(user_id, data.new_password)
        row = await StaffUser.select().where(StaffUser.id == user_id).first()
        return _user(row)
