"""The signed-in person's own settings: the language of their pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import Controller, Request, Response, post
from litestar.response import Redirect

from inventory.services import auth as auth_svc
from inventory.web.forms import FormReader
from inventory.web.pages import safe_next
from inventory.web.portal import gettext_of


def back_to(request: Request) -> str:
    """The page the switch was pressed on (from the Referer, same site only), else the desk."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.headers.get("host", ""):
        return "/desk"
    path = referer.path + (f"?{referer.query}" if referer.query else "")
    return safe_next(path[:2000])


class MeController(Controller):
    path = "/me"
    include_in_schema = False

    @post("/locale", opt={"permission": "session.self"})
    async def set_locale(self, request: Request) -> Response:
        """Save the language chosen; the page it was chosen on comes back in it."""
        form = await FormReader.of(request, gettext_of(request))
        await auth_svc.set_locale(request.user, form.text("locale", 5))  # else a 422 page
        return Redirect(back_to(request), status_code=303)
