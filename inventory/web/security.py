"""Authentication (session cookie or bearer token), the permission guard and CSRF checks."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from litestar.connection import ASGIConnection, Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from inventory.domain.access import PERMISSIONS, may
from inventory.services.auth import token_hash
from inventory.services.common import Actor

SESSION_COOKIE = "esn_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = "public"
# The OpenAPI document describes the API to anyone; every call in it still needs a session.
SCHEMA_PATH = "/schema"

_SESSION_SQL = """
SELECT u.id, u.username, u.role, u.display_name, u.site, u.partner_org, u.locale,
       s.csrf_token, s.is_api_token
FROM staff_session s JOIN staff_user u ON u.id = s."user"
WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = TRUE
"""


@dataclass(frozen=True, slots=True)
class Credentials:
    """How the request proved who it is."""

    token: str
    csrf_token: str
    from_cookie: bool


def _token_of(connection: ASGIConnection) -> tuple[str | None, bool]:
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), False
    return connection.cookies.get(SESSION_COOKIE), True


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    """Resolve the session on every request except routes marked public."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token, from_cookie = _token_of(connection)
        if not token or len(token) > 200:
            raise NotAuthorizedException("not signed in")
        reader = connection.app.state.reader
        row = await reader.fetch_one(_SESSION_SQL, token_hash(token), int(time.time()))
        if row is None or (from_cookie and row["is_api_token"]):
            raise NotAuthorizedException("session expired")
        actor = Actor(
            user_id=row["id"], username=row["username"], role=row["role"],
            display_name=row["display_name"], site_id=row["site"],
            partner_org_id=row["partner_org"], locale=row["locale"],
        )
        return AuthenticationResult(user=actor, auth=Credentials(token, row["csrf_token"],
                                                                 from_cookie))


def permission_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Fail closed: a route needs ``opt['permission']`` (or ``public``) and a role that has it."""
    if handler.opt.get(PUBLIC) or connection.scope["path"].startswith(SCHEMA_PATH):
        return
    permission = handler.opt.get("permission")
    if permission not in PERMISSIONS:
        raise PermissionDeniedException("route without a permission rule")
    if not may(connection.user.role, permission):
        raise PermissionDeniedException("role not allowed")


async def check_csrf(request: Request) -> None:
    """Cookie-authenticated writes must echo the session's CSRF token (header or form field)."""
    if request.method in SAFE_METHODS or request.route_handler.opt.get(PUBLIC):
        return
    creds = request.scope.get("auth")
    if not isinstance(creds, Credentials) or not creds.from_cookie:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type[0] in {
        "application/x-www-form-urlencoded", "multipart/form-data"
    }:
        sent = (await request.form()).get(CSRF_FIELD)
    if not sent or not secrets.compare_digest(str(sent), creds.csrf_token):
        raise PermissionDeniedException("missing or wrong CSRF token")
