"""The technicians' queue: devices to wipe and open repairs at their site, and a repair page."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import MultiDict
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from inventory.db.tables import Site
from inventory.domain.access import MANAGERS, may
from inventory.domain.errors import DomainError
from inventory.domain.lifecycle import STATE_LABELS
from inventory.domain.repairs import (
    ACTIVE, MAX_MINUTES, MAX_TEXT, OUTCOME_LABELS, STATUS_LABELS, Outcome,
)
from inventory.domain.wipes import METHOD_LABELS, WipeMethod
from inventory.services import repairs as repair_svc
from inventory.services import wipes as wipe_svc
from inventory.services.common import today
from inventory.web.forms import FormReader, error_status
from inventory.web.pages import render
from inventory.web.paging import read_page
from inventory.web.portal import gettext_of

LABELS = {"method_labels": METHOD_LABELS, "methods": [m.value for m in WipeMethod],
          "status_labels": STATUS_LABELS, "outcome_labels": OUTCOME_LABELS,
          "outcomes_all": [o.value for o in Outcome], "state_labels": STATE_LABELS,
          "active_statuses": [s.value for s in ACTIVE]}


async def _site_code(request: Request, asked: str | None) -> str | None:
    """Coordinators see every site (or the one asked); others, their own site."""
    actor = request.user
    if actor.role in MANAGERS or actor.site_id is None:
        return (asked or "")[:12] or None
    row = await Site.select(Site.code).where(Site.id == actor.site_id).first()
    return row["code"] if row else None


def _wipe_defaults() -> MultiDict:
    return MultiDict({"method": WipeMethod.NIST_CLEAR.value, "wiped_on": today().isoformat(),
                      "tool": ""})


class WorkshopController(Controller):
    path = "/workshop"
    include_in_schema = False

    async def _queue(self, request: Request, *, status: int = 200, site: str | None = None,
                     wipes_page: int = 1, repairs_page: int = 1, **extra: Any) -> Response:
        site_code = await _site_code(request, site)
        wipes, wipes_at = await read_page(partial(wipe_svc.wipe_queue, site_code), wipes_page)
        repairs, repairs_at = await read_page(partial(repair_svc.list_repairs, site_code),
                                              repairs_page)
        context = {"failed_tag": None, "form": _wipe_defaults(), "errors": {}, "error": None,
                   "done": None, "repair_form": MultiDict(), **extra}
        return render(request, "workshop/queue.html", status=status, wipes=wipes,
                      repairs=repairs, site_code=site_code or "", wipes_page=wipes_at.number,
                      wipes_pages=wipes_at.pages, repairs_page=repairs_at.number,
                      repairs_pages=repairs_at.pages, today=today().isoformat(),
                      may_wipe=may(request.user.role, "wipes.write"),
                      all_sites=request.user.role in MANAGERS, **context, **LABELS)

    @get("/", opt={"permission": "wipes.read"})
    async def queue(self, request: Request, site: FromQuery[str | None] = None,
                    wipes_page: FromQuery[int] = 1,
                    repairs_page: FromQuery[int] = 1) -> Response:
        return await self._queue(request, site=site, wipes_page=wipes_page,
                                 repairs_page=repairs_page)

    @post("/wipes", opt={"permission": "wipes.write"})
    async def record_wipe(self, request: Request) -> Response:
        """Record a wipe from the queue; the page says what became of the device."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        tag = form.text("tag", 40, required=True)
        fields = {"method": form.text("method", 30, required=True),
                  "tool": form.text("tool", 120, required=True),
                  "wiped_on": form.day("wiped_on"), "passed": form.flag("passed"),
                  "check_passed": form.flag("check_passed"), "notes": form.text("notes", 2000)}
        status, error = 422, None
        if not form.errors:
            try:
                done = await wipe_svc.record_wipe(
                    request.user, tag, request.app.state.settings.tag_prefix, **fields)
            except DomainError as exc:
                status, error = error_status(exc), exc.render(_)
            else:
                done["text"] = _(done["message"]).format(tag=done["tag"])
                return await self._queue(request, done=done)
        return await self._queue(request, status=status, failed_tag=tag, form=form.data,
                                 errors=form.errors, error=error)

    @post("/repairs", opt={"permission": "repairs.open"})
    async def open_repair(self, request: Request) -> Response:
        """Send a device of the queue to repair, then open its ticket."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        tag = form.text("tag", 40, required=True)
        problem = form.text("problem", MAX_TEXT, required=True)
        error = next(iter(form.errors.values()), None)
        status = 422
        if error is None:
            try:
                ticket = await repair_svc.open_repair(
                    request.user, tag, request.app.state.settings.tag_prefix, problem,
                    workshop=may(request.user.role, "repairs.write"))
            except DomainError as exc:
                status, error = error_status(exc), exc.render(_)
            else:
                return Redirect(f"/workshop/repairs/{ticket['id']}", status_code=303)
        return await self._queue(request, status=status, error=error, repair_form=form.data)

    async def _ticket_page(self, request: Request, ticket_id: int, status: int = 200,
                           **extra: Any) -> Response:
        ticket = await repair_svc.get_ticket(ticket_id)
        context = {"which": None, "form": MultiDict(), "errors": {}, "error": None,
                   "saved": False, **extra}
        return render(request, "workshop/repair.html", status=status, ticket=ticket,
                      active=ticket["status"] in ACTIVE,
                      may_work=may(request.user.role, "repairs.write"), **context, **LABELS)

    @get("/repairs/{ticket_id:int}", opt={"permission": "repairs.read"})
    async def repair(self, request: Request, ticket_id: FromPath[int],
                     saved: FromQuery[bool] = False) -> Response:
        return await self._ticket_page(request, ticket_id, saved=saved)

    async def _apply(self, request: Request, ticket_id: int, which: str, form: FormReader,
                     action) -> Response:
        """Run one change on the ticket: back to its page, or the form again with the error."""
        status, error = 422, next(iter(form.errors.values()), None)
        if error is None:
            try:
                await action()
            except DomainError as exc:
                status, error = error_status(exc), exc.render(form.gettext)
            else:
                return Redirect(f"/workshop/repairs/{ticket_id}?saved=1", status_code=303)
        return await self._ticket_page(request, ticket_id, status=status, which=which,
                                       form=form.data, errors=form.errors, error=error)

    @post("/repairs/{ticket_id:int}", opt={"permission": "repairs.write"})
    async def update_repair(self, request: Request, ticket_id: FromPath[int]) -> Response:
        """Diagnosis, actions, waiting for parts or not, minutes to add: what changed only."""
        form = await FormReader.of(request, gettext_of(request))
        current = await repair_svc.get_ticket(ticket_id)
        diagnosis = form.text("diagnosis", MAX_TEXT)
        actions = form.text("actions", MAX_TEXT)
        wanted = form.text("status", 20) or current["status"]
        minutes = form.whole("add_minutes", 0, MAX_MINUTES, default=0)

        async def action() -> None:
            await repair_svc.update_repair(
                request.user, ticket_id,
                diagnosis=diagnosis if diagnosis != current["diagnosis"] else None,
                actions=actions if actions != current["actions"] else None,
                status=wanted if wanted != current["status"] else None,
                add_minutes=minutes or 0)
        return await self._apply(request, ticket_id, "update", form, action)

    @post("/repairs/{ticket_id:int}/parts", opt={"permission": "repairs.write"})
    async def add_part(self, request: Request, ticket_id: FromPath[int]) -> Response:
        """Note a part used; its cost is typed in euros and kept in cents."""
        form = await FormReader.of(request, gettext_of(request))
        name = form.text("part_name", 120, required=True)
        cents = form.cents("part_cost", 1_000_000)

        async def action() -> None:
            await repair_svc.add_part(request.user, ticket_id, name, cents)
        return await self._apply(request, ticket_id, "part", form, action)

    @post("/repairs/{ticket_id:int}/close", opt={"permission": "repairs.write"})
    async def close_repair(self, request: Request, ticket_id: FromPath[int]) -> Response:
        """Close with an outcome: the device goes where the outcome says."""
        form = await FormReader.of(request, gettext_of(request))
        outcome = form.text("outcome", 20, required=True)
        note = form.text("note", 2000)

        async def action() -> None:
            await repair_svc.close_repair(request.user, ticket_id, outcome, note)
        return await self._apply(request, ticket_id, "close", form, action)

