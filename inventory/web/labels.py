"""The label printing page: choose a selection, follow the job's progress bar, download."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from inventory.api.label_jobs import job_of, start_job
from inventory.api.labels import label_errors_as_invalid_input, selected_labels, selection
from inventory.domain.errors import N_, DomainError
from inventory.domain.item_list import read_item_query
from inventory.services import items as item_svc
from inventory.web.forms import FormReader, error_status
from inventory.web.item_list import describe, item_filter
from inventory.web.pages import render
from inventory.web.portal import gettext_of
from labels import LAYOUTS
from labels.layouts import Layout, get_layout
from labels.pdf import paginate

LAYOUT_CHOICES = [(name, layout.title) for name, layout in LAYOUTS.items()]
# Filters of the items list that the label form carries as they are (the intake batch has
# its own field on the form).
CARRIED = ("q", "family", "kind", "state", "site", "grade")
# What a position of the previewed sheet becomes, for screen readers.
CELL_WORDS = {"used": N_("already used"), "printed": N_("gets a label"),
              "empty": N_("stays empty")}


class LabelPageController(Controller):
    path = "/labels"
    include_in_schema = False

    def _page(self, request: Request, status: int = 200, **extra: Any) -> Response:
        context = {"form": {}, "errors": {}, "error": None, "job": None, "carried": [],
                   "carried_count": 0, "preview": None, "cell_words": CELL_WORDS, **extra}
        return render(request, "labels/page.html", status=status, layouts=LAYOUT_CHOICES,
                      carried_words=describe(context["carried"], gettext_of(request)),
                      **context)

    @get("/", opt={"permission": "labels.print"})
    async def page(self, request: Request, job: FromQuery[str | None] = None) -> Response:
        """The form, and the progress of a job when ?job= names one of the user's jobs; the
        filters of the items list (its "print labels" link) come pre-filled."""
        query, _problems = read_item_query(dict(request.query_params))
        carried = [(k, v) for k, v in query.params() if k in CARRIED]
        count = 0
        if carried or query.intake_batch:
            _rows, count = await item_svc.list_items(replace(
                item_filter(query, 1), per_page=1))
        return self._page(request, job=job_of(request, job[:40]) if job else None,
                          form={"intake_batch": query.intake_batch}, carried=carried,
                          carried_count=count)

    @post("/", opt={"permission": "labels.print"})
    async def start(self, request: Request) -> Response:
        """Start a job for the tags, intake batch or carried filters, then show its progress."""
        form = await FormReader.of(request, gettext_of(request))
        tags = ",".join(re.split(r"[\s,;]+", form.text("tags", 60_000)))
        batch = form.text("intake_batch", 80)
        carried = {name: form.text(name, 80) or None for name in CARRIED}
        layout = form.text("layout", 40) or "a4-3x7"
        start_at = form.whole("start_at", 1, 100, default=1)
        error, status = next(iter(form.errors.values()), None), 422
        if error is None:
            try:
                flt = selection(request, tags=tags, intake_batch=batch or None,
                                kind=carried["kind"], state_=carried["state"],
                                site=carried["site"], family=carried["family"],
                                q=carried["q"], grade=carried["grade"])
                if form.text("action", 10) == "preview":
                    preview = await _preview(request, flt, layout, start_at or 1)
                    return self._page(request, form=form.data, errors=form.errors,
                                      preview=preview,
                                      carried=[(k, v) for k, v in carried.items() if v])
                job = await start_job(request, flt, layout, start_at or 1)
            except DomainError as exc:
                error, status = exc.render(form.gettext), error_status(exc)
            else:
                return Redirect(f"/labels?job={job.id}", status_code=303)
        return self._page(request, status=status, error=error, form=form.data,
                          errors=form.errors,
                          carried=[(k, v) for k, v in carried.items() if v])

    @get("/jobs/{job_id:str}/progress", opt={"permission": "labels.print"})
    async def progress(self, request: Request, job_id: FromPath[str]) -> Response:
        """The progress fragment htmx polls; once the job ends it no longer asks to be polled."""
        return render(request, "labels/_progress.html", job=job_of(request, job_id))


def sheet_map(layout: Layout, start_at: int, count: int) -> list[list[str]]:
    """The first sheet, row by row: each position "used" (before start_at), "printed" or
    "empty", as the PDF will place the labels (labels.pdf.paginate)."""
    printed = set(paginate(count, layout.per_page, start_at)[0])
    return [["used" if position < start_at else "printed" if position in printed else "empty"
             for position in range(row * layout.columns + 1, (row + 1) * layout.columns + 1)]
            for row in range(layout.rows)]


async def _preview(request: Request, flt: Any, layout_name: str, start_at: int) -> dict:
    """What printing would give, without printing: how many labels on how many sheets, where
    on the first sheet, and the first label as the printer will draw it."""
    with label_errors_as_invalid_input():
        layout = get_layout(layout_name)
        layout.origin(start_at)  # a position the sheet has (a roll has only the first)
    chosen = await selected_labels(flt, request.app.state.settings)
    return {"count": len(chosen), "pages": len(paginate(len(chosen), layout.per_page, start_at)),
            "title": layout.title, "layout": layout_name, "first_tag": chosen[0].tag,
            "sheet": None if layout.is_roll else sheet_map(layout, start_at, len(chosen))}

