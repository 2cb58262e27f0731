"""The back office, minimal: partner organisations, and the rule set in force with its versions."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import MultiDict
from litestar.params import FromQuery
from litestar.response import Redirect

from inventory.domain.access import may
from inventory.domain.errors import Conflict, DomainError, N_
from inventory.domain.people import ORG_TYPE_LABELS, OrgType, clean_siret
from inventory.domain.rulesets import InvalidRuleSet
from inventory.services import eligibility as elig_svc
from inventory.services import partners as org_svc
from inventory.web.forms import FormReader, error_status
from inventory.web.pages import render
from inventory.web.paging import read_page
from inventory.web.portal import gettext_of

RULESET_MAX = 100_000
LABELS = {"org_type_labels": ORG_TYPE_LABELS, "org_types": [t.value for t in OrgType]}


def _read_org(form: FormReader) -> dict[str, Any]:
    """An organisation's fields; the SIRET is checked here so its error sits next to it."""
    org = {"name": form.text("name", 200, required=True),
           "org_type": form.text("org_type", 40) or OrgType.ASSOCIATION.value,
           "siret": form.text("siret", 40) or None, "commune": form.text("commune", 120)}
    try:
        clean_siret(org["siret"])
    except DomainError as exc:
        form.fail_with("siret", exc)
    return org


class BackOfficeController(Controller):
    path = "/admin"
    include_in_schema = False

    async def _orgs_page(self, request: Request, page: Any = 1, status: int = 200,
                         **extra: Any) -> Response:
        orgs, at = await read_page(org_svc.list_orgs, page)
        context = {"form": MultiDict({"org_type": OrgType.CCAS.value}), "errors": {},
                   "error": None, "added": None, **extra}
        return render(request, "admin/orgs.html", status=status, orgs=orgs, page=at.number,
                      pages=at.pages, total=at.total, **context, **LABELS)

    @get("/", opt={"permission": "backoffice.read"})
    async def orgs(self, request: Request, page: FromQuery[int] = 1,
                   added: FromQuery[int | None] = None) -> Response:
        return await self._orgs_page(request, page, added=added)

    @post("/orgs", opt={"permission": "orgs.write"})
    async def add_org(self, request: Request) -> Response:
        """Add a partner organisation; each problem is shown next to its field."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        org = _read_org(form)
        status, error = 422, None
        if not form.errors:
            try:
                row = await org_svc.create_org(request.user, **org)
            except Conflict as exc:  # the one unique column of an organisation: its SIRET
                status = 409
                form.fail_with("siret", exc)
            except DomainError as exc:
                status, error = error_status(exc), exc.render(_)
            else:
                return Redirect(f"/admin?added={row['id']}", status_code=303)
        return await self._orgs_page(request, status=status, form=form.data,
                                     errors=form.errors, error=error)

    async def _ruleset_page(self, request: Request, status: int = 200,
                            text: str | None = None, page: Any = 1, **extra: Any) -> Response:
        in_force = await elig_svc.ruleset_in_force()
        versions, at = await read_page(elig_svc.ruleset_versions, page)
        context = {"problems": [], "error": None, "saved": False, **extra}
        return render(request, "admin/ruleset.html", status=status,
                      text=in_force.text if text is None else text,
                      version=in_force.rules.version, shipped=in_force.saved_at is None,
                      versions=versions, versions_page=at,
                      may_save=may(request.user.role, "ruleset.write"), **context)

    @get("/ruleset", opt={"permission": "backoffice.read"})
    async def ruleset(self, request: Request, saved: FromQuery[bool] = False,
                      page: FromQuery[str] = "1") -> Response:
        return await self._ruleset_page(request, saved=saved, page=page)

    @post("/ruleset", opt={"permission": "ruleset.write"})
    async def save_ruleset(self, request: Request) -> Response:
        """Put a new version in force; a broken text comes back as typed, every problem listed."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        text = str(form.data.get("text") or "").replace("\r\n", "\n")
        if len(text) > RULESET_MAX:
            problem = _(N_("The rule set is limited to {limit} characters.")).format(
                limit=RULESET_MAX)
            return await self._ruleset_page(request, status=422, text=text[:RULESET_MAX],
                                            problems=[problem])
        try:
            await elig_svc.save_ruleset(request.user, text)
        except InvalidRuleSet as exc:
            return await self._ruleset_page(request, status=422, text=text,
                                            problems=[p.render(_) for p in exc.problems])
        except DomainError as exc:
            return await self._ruleset_page(request, status=error_status(exc),
                                            text=text[:RULESET_MAX], error=exc.render(_))
        return Redirect("/admin/ruleset?saved=1", status_code=303)
