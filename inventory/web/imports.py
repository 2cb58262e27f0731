"""The imports page: upload a CSV of items, of a card batch, of partner organisations or of
people already followed; the whole file goes in, or nothing does and every problem is listed
by line."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.params import FromQuery
from litestar.response import Redirect

from inventory.api.errors import http_error_handler
from inventory.domain.access import may
from inventory.domain.eligibility import Situation
from inventory.domain.errors import DomainError, N_
from inventory.services import imports as svc
from inventory.services.imports import ImportKind
from inventory.services.partners import list_orgs
from inventory.services.sites import site_choices
from inventory.web.forms import FormReader, error_status
from inventory.web.pages import render
from inventory.web.portal import gettext_of

# The request may be a little larger than the file (the form's other fields, the multipart
# framing): a file just over the limit still gets the page's own message, not a bare 413.
MAX_REQUEST = svc.MAX_BYTES + 64_000
NO_FILE = N_("Choose a CSV file to import.")


def _context(request: Request, **extra: Any) -> dict[str, Any]:
    """What the page shows: the imports this person may run, and the outcome of the last."""
    role = request.user.role
    return {"kinds": [k for k in ImportKind if may(role, svc.PERMISSION[k])],
            "kind_labels_import": svc.KIND_LABELS, "columns": svc.COLUMNS,
            "limit_kb": svc.MAX_BYTES // 1000, "tab": "imports", "kind": None, "form": {},
            "errors": {}, "error": None, "problems": [], "problem_total": 0, "done": None,
            "count": None, "site_options": [], "org_options": [], "situations": [s.value for s in Situation],
            **extra}


async def _page(request: Request, status: int = 200, **extra: Any) -> Response:
    context = _context(request, **extra)
    if {ImportKind.CARDS, ImportKind.PEOPLE} & set(context["kinds"]):
        context["site_options"] = [(s["code"], f"{s['code']} · {s['name']}")
                                   for s in await site_choices()]
    if ImportKind.PEOPLE in context["kinds"]:
        context["org_options"] = [(o["name"], o["name"]) for o in
                                  (await list_orgs(active_only=True, per_page=200))[0]]
    return render(request, "admin/imports.html", status=status, **context)


def _too_large(request: Request, exc: HTTPException) -> Response:
    """A file over the request limit: the page again with the limit, not a bare error page
    (the sites are left out: this handler cannot wait for the database)."""
    if exc.status_code != 413:
        return http_error_handler(request, exc)
    message = svc.FileTooLarge(limit=svc.MAX_BYTES // 1000).render(gettext_of(request))
    kind = request.url.path.rsplit("/", 1)[-1]
    return render(request, "admin/imports.html", status=413,
                  **_context(request, kind=kind, errors={"file": message}))


async def _import(request: Request, kind: ImportKind) -> Response:
    """Read the upload, run the import; the page lists the problems by line, or the count."""
    _ = gettext_of(request)
    form = await FormReader.of(request, _)
    upload = form.data.get("file")
    site = form.text("site_code", 12, required=kind is ImportKind.CARDS)
    batch = form.text("intake_batch", 80, required=kind is ImportKind.CARDS)
    org = form.text("partner_org", 200)  # people: the organisation of lines without one
    text = None
    if not isinstance(upload, UploadFile) or not upload.filename:
        form.fail("file", NO_FILE)
    else:
        try:
            text = svc.decode_csv(await upload.read())
        except DomainError as exc:
            form.fail_with("file", exc)
    keep = {"site_code": site, "intake_batch": batch, "partner_org": org}
    if form.errors or text is None:
        return await _page(request, status=422, kind=kind.value, form=keep, errors=form.errors)
    settings = request.app.state.settings
    try:
        count = await svc.run_import(kind, request.user, text, prefix=settings.tag_prefix,
                                     gettext=_, locale=request.user.locale or "fr",
                                     site_code=site, intake_batch=batch, org_name=org)
    except svc.ImportRejected as exc:
        return await _page(request, status=422, kind=kind.value, form=keep,
                           problems=exc.problems, problem_total=exc.total)
    except DomainError as exc:
        return await _page(request, status=error_status(exc), kind=kind.value, form=keep,
                           error=exc.render(_))
    return Redirect(f"/admin/imports?done={kind.value}&count={count}", status_code=303)


class ImportPageController(Controller):
    path = "/admin/imports"
    include_in_schema = False

    @get("/", opt={"permission": "backoffice.read"})
    async def page(self, request: Request, done: FromQuery[str] = "",
                   count: FromQuery[int] = 0) -> Response:
        kind = done if done in set(ImportKind) else None
        return await _page(request, done=kind, count=count if kind else None)

    @post("/items", opt={"permission": "items.create"}, request_max_body_size=MAX_REQUEST,
          exception_handlers={HTTPException: _too_large})
    async def items(self, request: Request) -> Response:
        return await _import(request, ImportKind.ITEMS)

    @post("/cards", opt={"permission": "cards.receive"}, request_max_body_size=MAX_REQUEST,
          exception_handlers={HTTPException: _too_large})
    async def cards(self, request: Request) -> Response:
        return await _import(request, ImportKind.CARDS)

    @post("/orgs", opt={"permission": "orgs.write"}, request_max_body_size=MAX_REQUEST,
          exception_handlers={HTTPException: _too_large})
    async def orgs(self, request: Request) -> Response:
        return await _import(request, ImportKind.ORGS)

    @post("/people", opt={"permission": "beneficiaries.import"},
          request_max_body_size=MAX_REQUEST, exception_handlers={HTTPException: _too_large})
    async def people(self, request: Request) -> Response:
        return await _import(request, ImportKind.PEOPLE)
