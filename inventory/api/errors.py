"""One place that turns domain and framework errors into clear HTTP answers (never a 500)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import asyncpg
from litestar import Litestar, MediaType, Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from inventory.domain.errors import Conflict, DomainError, InvalidInput, N_, NotFound
from inventory.i18n import gettext_for, negotiate
from inventory.services.auth import LoginFailed, TooManyAttempts

log = logging.getLogger("inventory")

DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 422),
    (LoginFailed, 401),
    (TooManyAttempts, 429),
    (DomainError, 409),
)

HTTP_MESSAGES = {
    400: N_("The request could not be read."),
    401: N_("Please sign in."),
    403: N_("You are not allowed to do this."),
    404: N_("This page or item does not exist."),
    405: N_("This action is not available here."),
    413: N_("What was sent is too large."),
    422: N_("Some values are not valid."),
    429: N_("Too many requests. Wait a moment and try again."),
    500: N_("Something went wrong on our side. Nothing was saved; please try again."),
}


def locale_of(request: Request) -> str:
    user = request.scope.get("user")
    return negotiate(request.headers.get("accept-language"), getattr(user, "locale", None))


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/schema")) and "text/html" in (
        request.headers.get("accept", "")
    )


def error_response(request: Request, status: int, detail: str, extra: Any = None) -> Response:
    """JSON for the API, a small French page for browsers."""
    if wants_html(request):
        templates = request.app.state.templates
        locale = locale_of(request)
        body = templates.get_template("error.html").render(
            status=status, detail=detail, lang=locale, _=gettext_for(locale))
        return Response(body, status_code=status, media_type=MediaType.HTML,
                        headers={"cache-control": "no-store"})
    content = {"status_code": status, "detail": detail}
    if extra:
        content["extra"] = extra
    return Response(content, status_code=status, media_type=MediaType.JSON)


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    status = next(code for cls, code in DOMAIN_STATUS if isinstance(exc, cls))
    response = error_response(request, status, exc.render(gettext_for(locale_of(request))))
    if isinstance(exc, TooManyAttempts):
        response.headers["retry-after"] = str(exc.retry_after)
    return response


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) and wants_html(request):
        return Redirect(f"/login?next={request.url.path}")
    _ = gettext_for(locale_of(request))
    message = _(HTTP_MESSAGES.get(status, HTTP_MESSAGES[400] if status < 500 else HTTP_MESSAGES[500]))
    extra = None
    if isinstance(exc, ValidationException):
        status = 422
        extra = _validation_details(exc)
    if isinstance(exc, (NotFoundException, PermissionDeniedException)) or status >= 500:
        extra = None
    return error_response(request, status, message, extra)


def _validation_details(exc: ValidationException) -> list[dict[str, str]]:
    details = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            details.append({"field": str(item.get("key", "")), "message": str(item.get("message", ""))})
    if not details and exc.detail:
        details.append({"field": "", "message": str(exc.detail)})
    return details


def overflow_handler(request: Request, exc: Exception) -> Response:
    """A number too large for the database column (``/decisions/99999999999``) is invalid input.

    SQLite raises OverflowError; asyncpg wraps it in a DataError (argument encoding)."""
    if not isinstance(exc, OverflowError) and not isinstance(exc.__cause__, OverflowError):
        return internal_error_handler(request, exc)
    log.warning("number out of range on %s %s: %s", request.method, request.url.path, exc)
    _ = gettext_for(locale_of(request))
    return error_response(request, 422, _(HTTP_MESSAGES[422]))


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    _ = gettext_for(locale_of(request))
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR, _(HTTP_MESSAGES[500]))


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    OverflowError: overflow_handler,
    asyncpg.exceptions.DataError: overflow_handler,
    Exception: internal_error_handler,
}


def _documented(status: int) -> type[HTTPException]:
    """A stand-in naming one error answer in the OpenAPI schema (never raised)."""
    return type(f"Error{status}", (ClientException,),
                {"status_code": status, "detail": HTTPStatus(status).phrase})


# What every API operation may answer besides its success: not signed in, not allowed (or no
# CSRF token), no such record, a domain conflict, invalid values (422, see http_error_handler).
API_ERRORS = tuple(_documented(status) for status in (401, 403, 404, 409, 422))
SIGN_IN_ERRORS = (_documented(429),)


def document_errors(app: Litestar) -> None:
    """List the API's error answers in the OpenAPI schema, which Litestar leaves out."""
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        extra = API_ERRORS + (SIGN_IN_ERRORS if route.path.startswith("/api/v1/auth/") else ())
        for handler in getattr(route, "route_handlers", ()):
            handler.raises = [*(handler.raises or ()), *extra]
