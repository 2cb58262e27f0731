"""Back-office pages for sites and staff accounts: managers read them, an admin changes them.

The same services as the JSON API; each problem is shown next to its field or its row.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import MultiDict
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from inventory.db.tables import PartnerOrg
from inventory.domain.access import Role, may
from inventory.domain.errors import Conflict, DomainError
from inventory.domain.item_list import NOT_A_CHOICE
from inventory.domain.paging import link_base, page_number
from inventory.domain.staff import (
    LOCALE_LABELS, BadSiteCode, OrgNeeded, SiteNeeded, account_place,
)
from inventory.services import auth as auth_svc
from inventory.services import sites as site_svc
from inventory.services.auth import check_password_strength
from inventory.web.forms import FormReader, error_status
from inventory.web.pages import render
from inventory.web.paging import read_page
from inventory.web.portal import gettext_of

ORG_CHOICES_MAX = 500
USER_FIELDS = {BadSiteCode: "site_code", SiteNeeded: "site_code", OrgNeeded: "partner_org_id"}


class SitePagesController(Controller):
    path = "/admin/sites"
    include_in_schema = False

    async def _page(self, request: Request, page: Any = 1, status: int = 200,
                    **extra: Any) -> Response:
        rows, paged = await read_page(site_svc.list_sites, page)
        context = {"form": MultiDict(), "errors": {}, "error": None, "done": None,
                   "row": None, "row_form": MultiDict(), "row_errors": {}, **extra}
        return render(request, "admin/sites.html", status=status, sites=rows, page=paged,
                      base=link_base(self.path, {}), tab="sites",
                      may_write=may(request.user.role, "sites.write"), **context)

    @get("/", opt={"permission": "backoffice.read"})
    async def sites(self, request: Request, page: FromQuery[str] = "1",
                    done: FromQuery[str] = "") -> Response:
        return await self._page(request, page, done=done[:20] or None)

    @post("/", opt={"permission": "sites.write"})
    async def create(self, request: Request) -> Response:
        """Open a site; a code already used or badly written is shown next to the field."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        code = form.text("code", 12, required=True)
        name = form.text("name", 120, required=True)
        address = form.text("address", 200)
        status = 422
        if not form.errors:
            try:
                await site_svc.create_site(request.user, code=code, name=name, address=address)
            except (BadSiteCode, Conflict) as exc:
                status = error_status(exc)
                form.fail_with("code", exc)
            else:
                return Redirect("/admin/sites?done=created", status_code=303)
        return await self._page(request, status=status, form=form.data, errors=form.errors)

    @post("/{code:str}", opt={"permission": "sites.write"})
    async def rename(self, request: Request, code: FromPath[str]) -> Response:
        """A new name or address for a site; the form stays open on its row after an error."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        name = form.text("name", 120, required=True)
        address = form.text("address", 200)
        page = form.data.get("page", "1")
        if not form.errors:
            await site_svc.update_site(request.user, code[:12], name=name, address=address)
            return Redirect(f"/admin/sites?page={page_number(page)}&done=renamed",
                            status_code=303)
        return await self._page(request, page, status=422, row=code[:12], row_form=form.data,
                                row_errors=form.errors)

    @post("/{code:str}/active", opt={"permission": "sites.write"})
    async def set_active(self, request: Request, code: FromPath[str]) -> Response:
        """Close a site (nothing is deleted) or reopen it."""
        form = await FormReader.of(request, gettext_of(request))
        active = form.flag("active")
        await site_svc.update_site(request.user, code[:12], active=active)
        page = page_number(form.data.get("page"))
        return Redirect(f"/admin/sites?page={page}&done={'opened' if active else 'closed'}",
                        status_code=303)


def _read_account(form: FormReader) -> dict[str, Any]:
    """The new account's fields; where it belongs is checked here, next to the fields."""
    role = form.text("role", 20, required=True)
    if role and role not in set(Role):
        form.fail("role", NOT_A_CHOICE)
    org = form.text("partner_org_id", 12)
    account = {
        "username": form.text("username", 80, required=True),
        "display_name": form.text("display_name", 120),
        "password": form.text("password", 200, required=True),
        "role": role, "locale": form.text("locale", 5) or "fr",
        "site_code": form.text("site_code", 12) or None,
        "partner_org_id": int(org) if org.isdigit() else None,
    }
    if account["locale"] not in LOCALE_LABELS:
        form.fail("locale", NOT_A_CHOICE)
    if "password" not in form.errors:
        try:
            check_password_strength(account["password"])
        except DomainError as exc:
            form.fail_with("password", exc)
    if "role" not in form.errors and role:
        try:
            account["site_code"], account["partner_org_id"] = account_place(
                role, account["site_code"], account["partner_org_id"])
        except (SiteNeeded, OrgNeeded) as exc:
            form.fail_with(USER_FIELDS[type(exc)], exc)
    return account


class UserPagesController(Controller):
    path = "/admin/users"
    include_in_schema = False

    async def _page(self, request: Request, page: Any = 1, status: int = 200,
                    **extra: Any) -> Response:
        rows, paged = await read_page(auth_svc.list_users, page)
        may_write = may(request.user.role, "users.write")
        orgs = await PartnerOrg.select(PartnerOrg.id, PartnerOrg.name).where(
            PartnerOrg.active.eq(True)).order_by(PartnerOrg.name).limit(
            ORG_CHOICES_MAX) if may_write else []
        context = {"form": MultiDict({"locale": "fr", "role": Role.FRONT_DESK.value}),
                   "errors": {}, "error": None, "done": None, "row": None, "row_error": None,
                   **extra}
        return render(request, "admin/users.html", status=status, users=rows, page=paged,
                      base=link_base(self.path, {}), tab="users", may_write=may_write,
                      roles=list(Role), locales=LOCALE_LABELS, orgs=orgs,
                      sites=await site_svc.site_choices() if may_write else [], **context)

    @get("/", opt={"permission": "users.read"})
    async def users(self, request: Request, page: FromQuery[str] = "1",
                    done: FromQuery[str] = "") -> Response:
        return await self._page(request, page, done=done[:20] or None)

    @post("/", opt={"permission": "users.write"})
    async def create(self, request: Request) -> Response:
        """Create an account with its role, and its site or partner organisation."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        account = _read_account(form)
        status, error = 422, None
        if not form.errors:
            try:
                await auth_svc.create_user(**account)
            except Conflict as exc:  # the one unique field of an account: its username
                status = 409
                form.fail_with("username", exc)
            except DomainError as exc:
                status, error = error_status(exc), exc.render(_)
            else:
                return Redirect("/admin/users?done=created", status_code=303)
        form.data = MultiDict([(k, v) for k, v in form.data.multi_items() if k != "password"])
        return await self._page(request, status=status, form=form.data, errors=form.errors,
                                error=error)

    @post("/{user_id:int}/active", opt={"permission": "users.write"})
    async def set_active(self, request: Request, user_id: FromPath[int]) -> Response:
        """Disable (sessions end at once) or enable an account; the last active admin stays."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        active, page = form.flag("active"), page_number(form.data.get("page"))
        try:
            await auth_svc.set_active(user_id, active)
        except DomainError as exc:
            return await self._page(request, page, status=error_status(exc), row=user_id,
                                    row_error=exc.render(_))
        return Redirect(f"/admin/users?page={page}&done={'enabled' if active else 'disabled'}",
                        status_code=303)

    async def _user_page(self, request: Request, user_id: int, status: int = 200,
                         **extra: Any) -> Response:
        context = {"errors": {}, "done": False, **extra}
        return render(request, "admin/user.html", status=status, tab="users",
                      account=await auth_svc.get_user(user_id),
                      may_write=may(request.user.role, "users.write"), **context)

    @get("/{user_id:int}", opt={"permission": "users.read"})
    async def user(self, request: Request, user_id: FromPath[int],
                   done: FromQuery[bool] = False) -> Response:
        return await self._user_page(request, user_id, done=done)

    @post("/{user_id:int}/password", opt={"permission": "users.write"})
    async def reset_password(self, request: Request, user_id: FromPath[int]) -> Response:
        """A new password typed by the admin, to hand over; the person's sessions end."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        password = form.text("password", 200, required=True)
        if not form.errors:
            try:
                await auth_svc.reset_password(user_id, password)
            except DomainError as exc:
                form.fail_with("password", exc)
            else:
                return Redirect(f"/admin/users/{user_id}?done=1", status_code=303)
        return await self._user_page(request, user_id, status=422, errors=form.errors)
