"""Server-rendered pages: sign-in, the front-desk scan box and the item page."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect

from inventory.api.auth import session_cookie, sign_in
from inventory.api.items import find_item, resolve_or_404
from inventory.domain.access import ROLE_LABELS, may
from inventory.domain.errors import DomainError
from inventory.domain.loan_policy import KIND_LABELS
from inventory.domain.lifecycle import (
    EVENT_LABELS, RETURN, STATE_LABELS, STATE_TONES, Family, State, allowed_moves,
)
from inventory.domain.loans import handover_target
from inventory.i18n import gettext_for, negotiate
from inventory.services import desk as desk_svc
from inventory.services import items as item_svc
from inventory.services.auth import TooManyAttempts
from inventory.services.auth import logout as end_session
from inventory.web.security import CSRF_FIELD, PUBLIC, SESSION_COOKIE

# 'wasm-unsafe-eval' lets the camera's code reader (static/vendor/barcode-detector-*, served
# from here) compile its WebAssembly; it allows no eval() of JavaScript and no inline script.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


OUT_STATES = frozenset({State.ON_LOAN, State.ISSUED, State.ACTIVATED})


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/desk"


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """A page in the user's language, with the security headers."""
    user = request.scope.get("user")
    locale = negotiate(request.headers.get("accept-language"), getattr(user, "locale", None))
    creds = request.scope.get("auth")
    html = request.app.state.templates.get_template(template).render(
        _=gettext_for(locale), user=user, locale=locale, csrf_field=CSRF_FIELD,
        csrf_token=getattr(creds, "csrf_token", ""),
        can=lambda action: user is not None and may(user.role, action),
        settings=request.app.state.settings, role_labels=ROLE_LABELS, kind_labels=KIND_LABELS,
        event_labels=EVENT_LABELS, **context)
    return Response(html, status_code=status, media_type=MediaType.HTML,
                    headers=SECURITY_HEADERS)


class WebController(Controller):
    include_in_schema = False

    @get("/", opt={PUBLIC: True})
    async def home(self) -> Redirect:
        return Redirect("/desk")

    @get("/login", opt={PUBLIC: True})
    async def login_page(self, request: Request, next: FromQuery[str | None] = None) -> Response:
        return render(request, "login.html", next=safe_next(next), error=None, username="")

    @post("/login", opt={PUBLIC: True})
    async def login(
        self, request: Request,
        data: URLEncodedBody[dict[str, str]],
    ) -> Response:
        username, target = data.get("username", "")[:80], safe_next(data.get("next"))
        try:
            new = await sign_in(request, username, data.get("password", "")[:200])
        except DomainError as exc:
            _ = gettext_for(negotiate(request.headers.get("accept-language")))
            status = 429 if isinstance(exc, TooManyAttempts) else 401
            page = render(request, "login.html", status=status, next=target,
                          error=exc.render(_), username=username)
            if isinstance(exc, TooManyAttempts):
                page.headers["retry-after"] = str(exc.retry_after)
            return page
        hours = request.app.state.settings.session_hours
        return Redirect(target, cookies=[session_cookie(request, new.token, hours)])

    @post("/logout", opt={"permission": "session.self"})
    async def logout(self, request: Request) -> Redirect:
        await end_session(request.auth.token)
        return Redirect("/login", cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0,
                                                  path="/")])

    @get("/desk", opt={"permission": "session.self"})
    async def desk(self, request: Request) -> Response:
        """The front desk; people who do not scan items (social workers) land on the portal."""
        if not may(request.user.role, "items.scan"):
            return Redirect("/portal")
        return render(request, "desk.html", error=None, code="")

    @get("/scan", opt={"permission": "items.scan"})
    async def scan(self, request: Request, code: FromQuery[str] = "") -> Response:
        settings = request.app.state.settings
        try:
            tag = resolve_or_404(code, settings.tag_prefix)
            await find_item(request, tag)
        except DomainError as exc:
            _ = gettext_for(request.user.locale)
            return render(request, "desk.html", status=404, error=exc.render(_),
                          code=code[:80])
        return Redirect(f"/i/{tag}")

    @get("/i/{tag:str}", opt={"permission": "items.read"})
    async def item_page(self, request: Request, tag: FromPath[str]) -> Response:
        settings = request.app.state.settings
        canonical = resolve_or_404(tag, settings.tag_prefix)
        if canonical != tag:
            return Redirect(f"/i/{canonical}")
        item = await find_item(request, canonical)
        events = await item_svc.history(canonical, limit=20)
        family = Family(item["family"])
        moves = allowed_moves(family, item["state"])
        target, via = handover_target(family)
        role = request.user.role
        return render(request, "item.html", item=item, events=events, moves=moves,
                      labels=STATE_LABELS, tones=STATE_TONES,
                      loan=await desk_svc.current_loan(request.user, item["id"])
                      if item["state"] in OUT_STATES else None,
                      can_lend=may(role, "loans.create")
                      and target in allowed_moves(family, item["state"], via=via),
                      can_return=may(role, "loans.return") and family == Family.DEVICE
                      and State.RETURNED in allowed_moves(family, item["state"], via=RETURN))
