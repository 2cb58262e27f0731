"""The desk's reminders page: late loans, one "send a reminder" button each (htmx swaps the
row; without JavaScript the whole page comes back), and the letter to print for people
without phone or e-mail."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from inventory.db.tables import Site
from inventory.domain import reminders as rules
from inventory.domain.access import MANAGERS
from inventory.domain.days import local_moment
from inventory.domain.errors import DomainError, N_
from inventory.domain.paging import link_base
from inventory.domain.reminders import Channel, ReminderStatus
from inventory.i18n import negotiate
from inventory.services import reminders as svc
from inventory.web.forms import FormReader, error_status
from inventory.web.pages import render
from inventory.web.paging import read_page
from inventory.web.portal import gettext_of

PATH = "/reminders"
SENT = {Channel.SMS: N_("Reminder sent by SMS at {time}."),
        Channel.EMAIL: N_("Reminder sent by e-mail at {time}.")}
FAILED = N_("The reminder could not be sent: {reason}")
TO_PRINT = N_("No mobile phone and no e-mail: print the letter and post it or hand it over.")
CANCELLED = N_("The loan changed meanwhile (returned or extended): no reminder was sent.")
WAITING = N_("The reminder waits to be sent.")
LABELS = {"kind_names": rules.KIND_LABELS, "channel_names": rules.CHANNEL_LABELS,
          "status_names": rules.STATUS_LABELS}


def outcome(done: svc.Reminded, _) -> dict[str, Any]:
    """What the volunteer reads next to the button: sent, failed and why, or to print."""
    if done.channel == Channel.LETTER and done.status == ReminderStatus.PENDING:
        return {"tone": "warn", "text": _(TO_PRINT), "letter_id": done.id}
    if done.status == ReminderStatus.SENT:
        at = local_moment(done.sent_at).strftime("%H:%M")
        return {"tone": "ok", "text": _(SENT[Channel(done.channel)]).format(time=at)}
    if done.status == ReminderStatus.FAILED:
        return {"tone": "bad", "text": _(FAILED).format(
            reason=rules.explain_failure(done.error, _))}
    if done.status == ReminderStatus.CANCELLED:
        return {"tone": "warn", "text": _(CANCELLED)}
    return {"tone": "warn", "text": _(WAITING)}


def _locale(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"), request.user.locale)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _own_site(request: Request) -> str:
    """The code of the signed-in person's site, for the title ("" when none)."""
    if request.user.site_id is None:
        return ""
    row = await Site.select(Site.code).where(Site.id == request.user.site_id).first()
    return row["code"] if row else ""


class ReminderPageController(Controller):
    path = PATH
    include_in_schema = False

    async def _page(self, request: Request, *, site: str | None, page: Any, status: int = 200,
                    notice: dict[str, Any] | None = None) -> Response:
        all_sites = request.user.role in MANAGERS
        chosen = (site or "").strip().upper()[:12] if all_sites else ""
        rows, at = await read_page(partial(svc.overdue_loans, request.user, chosen or None,
                                           locale=_locale(request)), page)
        return render(request, "reminders/list.html", status=status, rows=rows, page=at,
                      site_code=chosen or ("" if all_sites else await _own_site(request)),
                      all_sites=all_sites, notice=notice,
                      base=link_base(PATH, {"site": chosen}), **LABELS)

    @get("/", opt={"permission": "reminders.send"})
    async def overdue(self, request: Request, site: FromQuery[str | None] = None,
                      page: FromQuery[str | None] = None) -> Response:
        """Late loans, longest overdue first, fifty a page."""
        return await self._page(request, site=site, page=page)

    @post("/loans/{reference:str}", opt={"permission": "reminders.send"})
    async def send(self, request: Request, reference: FromPath[str]) -> Response:
        """Send the loan's reminder now; the row (htmx) or the page says what happened."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        settings = request.app.state.settings
        status = 200
        try:
            done = await svc.remind_now(request.user, reference[:20],
                                        request.app.state.reminder_sender,
                                        association=settings.association_name,
                                        locale=settings.default_locale)
        except DomainError as exc:
            status, notice = error_status(exc), {"tone": "bad", "text": exc.render(_)}
        else:
            notice = outcome(done, _)
        notice["reference"] = reference[:20]
        if not _is_htmx(request):
            return await self._page(request, site=form.text("site", 12),
                                    page=form.text("page", 6), status=status, notice=notice)
        # htmx swaps 2xx answers only: the row carries the message, whatever it says.
        row = await svc.overdue_loan(request.user, reference, locale=_locale(request))
        return render(request, "reminders/_row.html", row=row, notice=notice, inline=True,
                      all_sites=request.user.role in MANAGERS, **LABELS)

    @get("/letters/{reminder_id:int}", opt={"permission": "reminders.send"})
    async def letter(self, request: Request, reminder_id: FromPath[int],
                     printed: FromQuery[bool] = False) -> Response:
        """A reminder letter, ready to print from the browser."""
        row = await svc.letter_to_print(request.user, reminder_id)
        return render(request, "reminders/letter.html", letter=row, printed=printed)

    @post("/letters/{reminder_id:int}/printed", opt={"permission": "reminders.send"})
    async def printed(self, request: Request, reminder_id: FromPath[int]) -> Response:
        """The letter was printed: it leaves the list of letters to print."""
        await svc.mark_letter_printed(request.user, reminder_id)
        return Redirect(f"{PATH}/letters/{reminder_id}?printed=1", status_code=303)
