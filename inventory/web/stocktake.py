"""Stocktake pages: the counts of each site, the counting page whose scan box stays focused
(htmx updates the totals and the last scans), and the report with a CSV export."""

from __future__ import annotations

import csv
import functools
import io
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import MultiDict
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from inventory.api.stocktake import line_label
from inventory.csvio import neutralise
from inventory.db.tables import Site
from inventory.domain.access import MANAGERS, may
from inventory.domain.days import local_moment
from inventory.domain.errors import DomainError, N_
from inventory.domain.lifecycle import STATE_LABELS
from inventory.domain.stocktake import OUTCOME_OK, STATUS_LABELS, Outcome, Status, explain
from inventory.services import stocktake as svc
from inventory.web.forms import FormReader, error_status
from inventory.web.pages import render
from inventory.web.paging import read_page
from inventory.web.portal import gettext_of

PER_PAGE = 20
LINES_PER_PAGE = 50
RECENT = 15
CSV_COLUMNS = ("result", "tag", "kind", "brand", "model", "explanation", "state", "site",
               "scanned_at", "scanned_by")
LABELS = {"status_labels": STATUS_LABELS, "state_labels": STATE_LABELS}


def _helpers(request: Request) -> dict[str, Any]:
    """What the templates use to show a line and a time (in France)."""
    _ = gettext_of(request)
    return {"describe": lambda row: line_label(row, _), **LABELS}


async def _own_site_code(request: Request) -> str | None:
    row = await Site.select(Site.code).where(Site.id == request.user.site_id).first() \
        if request.user.site_id is not None else None
    return row["code"] if row else None


def _scan_message(answer: dict[str, Any], _) -> dict[str, Any]:
    """What the volunteer reads after a scan, and whether it went well."""
    outcome = answer["outcome"]
    if outcome == Outcome.DUPLICATE:
        previous = answer["previous"] or {}
        when = previous.get("scanned_at")
        text = _(N_("{tag} was already counted (by {name} at {time}): counted once.")).format(
            tag=answer["tag"], name=previous.get("scanned_by") or "?",
            time=local_moment(when).strftime("%H:%M") if when else "?")
    else:
        text = f"{answer['tag']} — " + explain(outcome, answer["state"], answer["site_code"], _)
    return {"ok": outcome in OUTCOME_OK, "text": text, "outcome": outcome}


class StocktakePageController(Controller):
    path = "/stocktake"
    include_in_schema = False

    async def _list(self, request: Request, *, status: int = 200, site: str | None = None,
                    page: int = 1, error: str | None = None,
                    form: MultiDict | None = None) -> Response:
        manages = request.user.role in MANAGERS
        own = await _own_site_code(request)
        shown = (site or "")[:12] or (None if manages else own)
        rows, shown_page = await read_page(
            functools.partial(svc.list_counts, site_code=shown), page, PER_PAGE)
        sites = await Site.select(Site.code, Site.name).where(Site.active.eq(True)).order_by(
            Site.code) if manages else []
        return render(request, "stocktake/list.html", status=status, counts=rows,
                      page=shown_page.number, pages=shown_page.pages, total=shown_page.total,
                      site_code=shown or "",
                      sites=sites, own_site=own, manages=manages, error=error,
                      form=form or MultiDict({"site_code": shown or own or ""}),
                      **_helpers(request))

    @get("/", opt={"permission": "stocktake.read"})
    async def counts(self, request: Request, site: FromQuery[str | None] = None,
                     page: FromQuery[int] = 1) -> Response:
        return await self._list(request, site=site, page=page)

    @post("/", opt={"permission": "stocktake.write"})
    async def start(self, request: Request) -> Response:
        """Start a count at the chosen site (one's own site unless one manages)."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        site_code = form.text("site_code", 12) or await _own_site_code(request) or ""
        note = form.text("note", 300)
        error = next(iter(form.errors.values()), None)
        status = 422
        if error is None:
            try:
                row = await svc.start_count(request.user, site_code, note=note)
            except DomainError as exc:
                status, error = error_status(exc), exc.render(_)
            else:
                return Redirect(f"/stocktake/{row['id']}", status_code=303)
        return await self._list(request, status=status, error=error, form=form.data)

    async def _count_page(self, request: Request, stocktake_id: int, *, status: int = 200,
                          last: dict[str, Any] | None = None,
                          error: str | None = None) -> Response:
        count = await svc.get_count(stocktake_id)
        if count["status"] != Status.OPEN:
            return Redirect(f"/stocktake/{stocktake_id}/report", status_code=303)
        return render(request, "stocktake/count.html", status=status, count=count,
                      scans=await svc.recent_scans(stocktake_id, RECENT), last=last,
                      error=error, outcome="bad" if last and not last["ok"] else None,
                      may_close=may(request.user.role, "stocktake.close"), focus=True,
                      **_helpers(request))

    @get("/{stocktake_id:int}", opt={"permission": "stocktake.read"})
    async def count_page(self, request: Request, stocktake_id: FromPath[int]) -> Response:
        """The counting page while the count is open; its report once it is over."""
        return await self._count_page(request, stocktake_id)

    @post("/{stocktake_id:int}/scan", opt={"permission": "stocktake.write"})
    async def scan(self, request: Request, stocktake_id: FromPath[int]) -> Response:
        """One scan: with htmx, the live totals and last scans only (always 200, so that the
        fragment with the message is shown); without, the whole page."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        code = form.text("code", 512, required=True)
        status = 200
        if form.errors:
            status, last = 422, {"ok": False, "text": form.errors["code"], "outcome": "error"}
        else:
            try:
                answer = await svc.scan(request.user, stocktake_id, code,
                                        request.app.state.settings.tag_prefix)
            except DomainError as exc:
                status = error_status(exc)
                last = {"ok": False, "text": f"{code[:40]} — {exc.render(_)}",
                        "outcome": "error"}
            else:
                last = _scan_message(answer, _)
        if request.headers.get("hx-request") != "true":
            return await self._count_page(request, stocktake_id, status=status, last=last)
        count = await svc.get_count(stocktake_id)
        return render(request, "stocktake/_live.html", count=count, last=last,
                      scans=await svc.recent_scans(stocktake_id, RECENT), **_helpers(request))

    async def _finish(self, request: Request, stocktake_id: int, action) -> Response:
        _ = gettext_of(request)
        try:
            await action(request.user, stocktake_id)
        except DomainError as exc:
            count = await svc.get_count(stocktake_id)
            if count["status"] != Status.OPEN:
                return Redirect(f"/stocktake/{stocktake_id}/report", status_code=303)
            return await self._count_page(request, stocktake_id, status=error_status(exc),
                                          error=exc.render(_))
        return Redirect(f"/stocktake/{stocktake_id}/report", status_code=303)

    @post("/{stocktake_id:int}/close", opt={"permission": "stocktake.close"})
    async def close(self, request: Request, stocktake_id: FromPath[int]) -> Response:
        """Close the count and show its report."""
        return await self._finish(request, stocktake_id, svc.close_count)

    @post("/{stocktake_id:int}/cancel", opt={"permission": "stocktake.close"})
    async def cancel(self, request: Request, stocktake_id: FromPath[int]) -> Response:
        """Abandon the count."""
        return await self._finish(request, stocktake_id, svc.cancel_count)

    @get("/{stocktake_id:int}/report", opt={"permission": "stocktake.read"})
    async def report(self, request: Request, stocktake_id: FromPath[int],
                     missing_page: FromQuery[int] = 1, unexpected_page: FromQuery[int] = 1,
                     left_page: FromQuery[int] = 1, found_page: FromQuery[int] = 1) -> Response:
        """The report: missing items, unexpected ones with where they are recorded, items
        that left during the count, and those found (provisional while the count is open)."""
        count = await svc.get_count(stocktake_id)
        pages = {"missing": missing_page, "unexpected": unexpected_page, "left": left_page,
                 "found": found_page}
        sections = {}
        for which, asked in pages.items():
            rows, page = await read_page(
                functools.partial(svc.lines, stocktake_id, which), asked, LINES_PER_PAGE)
            sections[which] = {"rows": rows, "total": page.total, "page": page.number,
                               "pages": page.pages}
        return render(request, "stocktake/report.html", count=count, sections=sections,
                      pages=pages, **_helpers(request))

    @get("/{stocktake_id:int}/report.csv", opt={"permission": "stocktake.read"})
    async def report_csv(self, request: Request, stocktake_id: FromPath[int]) -> Response:
        """Every line of the report as CSV (formula-safe), for a spreadsheet."""
        _ = gettext_of(request)
        count = await svc.get_count(stocktake_id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for row in await svc.all_lines(stocktake_id):
            writer.writerow([neutralise(v) for v in (
                row["result"], row["tag"], row["kind"], row["brand"], row["model"],
                line_label(row, _), row["state"] or "", row["site_code"] or "",
                row["scanned_at"].isoformat() if row["scanned_at"] else "",
                row["scanned_by"] or "")])
        name = f"inventaire-{count['site_code']}-{stocktake_id}.csv"
        return Response(out.getvalue(), media_type="text/csv",
                        headers={"content-disposition": f'attachment; filename="{name}"',
                                 "cache-control": "no-store"})
