"""JSON API for signing in and out, the current session, passwords and API tokens."""

from __future__ import annotations

from litestar.params import JSONBody
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie

from inventory.api.schemas import LoginRequest, PasswordChange, SessionRead, TokenCreate, TokenRead
from inventory.services import auth as svc
from inventory.services.common import Actor
from inventory.web.security import PUBLIC, SESSION_COOKIE, Credentials


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def session_cookie(request: Request, token: str, hours: int) -> Cookie:
    """HttpOnly, SameSite=Lax, Secure outside development."""
    settings = request.app.state.settings
    return Cookie(key=SESSION_COOKIE, value=token, httponly=True, samesite="lax",
                  secure=settings.is_production, max_age=hours * 3600, path="/")


def session_read(actor: Actor, csrf: str | None) -> SessionRead:
    return SessionRead(username=actor.username, display_name=actor.display_name,
                       role=actor.role, site_id=actor.site_id,
                       partner_org_id=actor.partner_org_id, locale=actor.locale,
                       csrf_token=csrf)


async def sign_in(request: Request, username: str, password: str) -> svc.NewSession:
    """Check credentials with the configured throttling; shared by the API and the web form."""
    s = request.app.state.settings
    return await svc.login(username, password, client_ip=client_ip(request),
                           hours=s.session_hours, window=s.login_window_seconds,
                           max_failures=s.login_max_failures)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", opt={PUBLIC: True}, status_code=200)
    async def login(self, request: Request, data: JSONBody[LoginRequest]) -> Response[SessionRead]:
        """Sign in; sets the session cookie and returns the CSRF token for later writes."""
        new = await sign_in(request, data.username, data.password)
        hours = request.app.state.settings.session_hours
        return Response(session_read(new.actor, new.csrf_token),
                        cookies=[session_cookie(request, new.token, hours)])

    @post("/logout", opt={"permission": "session.self"}, status_code=200)
    async def logout(self, request: Request) -> Response[dict]:
        """End this session."""
        creds: Credentials = request.auth
        await svc.logout(creds.token)
        return Response({"ok": True}, cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0,
                                                      path="/")])

    @get("/me", opt={"permission": "session.self"})
    async def me(self, request: Request) -> SessionRead:
        """Who is signed in (and the CSRF token of a browser session)."""
        creds: Credentials = request.auth
        return session_read(request.user, creds.csrf_token if creds.from_cookie else None)

    @post("/password", opt={"permission": "session.self"}, status_code=200)
    async def password(self, request: Request,
                       data: JSONBody[PasswordChange]) -> Response[SessionRead]:
        """Change one's password: every other session and API token of the account ends at
        once. A browser session is renewed (new cookie and CSRF token, the old cookie no
        longer works); a call made with an API token ends that token too."""
        creds: Credentials = request.auth
        settings = request.app.state.settings
        hours = settings.session_hours
        new = await svc.change_password(request.user, data.old_password, data.new_password,
                                        window=settings.login_window_seconds,
                                        max_failures=settings.login_max_failures,
                                        renew_hours=hours if creds.from_cookie else None)
        if new is None:
            return Response(session_read(request.user, None))
        return Response(session_read(new.actor, new.csrf_token),
                        cookies=[session_cookie(request, new.token, hours)])

    @post("/tokens", opt={"permission": "session.self"}, status_code=201)
    async def token(self, request: Request, data: JSONBody[TokenCreate]) -> TokenRead:
        """Create an API token for scripts; it is shown once and stored only as a hash."""
        row = {"id": request.user.user_id, "username": request.user.username,
               "role": request.user.role, "display_name": request.user.display_name,
               "site": request.user.site_id, "partner_org": request.user.partner_org_id,
               "locale": request.user.locale}
        new = await svc.open_session(row, hours=data.days * 24, label=data.label,
                                     api_token=True)
        return TokenRead(token=new.token, label=data.label, expires_in_days=data.days)
