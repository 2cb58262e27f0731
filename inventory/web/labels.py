"""The label printing page: choose a selection, follow the job's progress bar, download."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from inventory.api.label_jobs import job_of, start_job
from inventory.api.labels import selection
from inventory.domain.errors import DomainError
from inventory.web.forms import FormReader, error_status
from inventory.web.pages import render
from inventory.web.portal import gettext_of
from labels import LAYOUTS

LAYOUT_CHOICES = [(name, layout.title) for name, layout in LAYOUTS.items()]


class LabelPageController(Controller):
    path = "/labels"
    include_in_schema = False

    def _page(self, request: Request, status: int = 200, **extra: Any) -> Response:
        context = {"form": {}, "errors": {}, "error": None, "job": None, **extra}
        return render(request, "labels/page.html", status=status, layouts=LAYOUT_CHOICES,
                      **context)

    @get("/", opt={"permission": "labels.print"})
    async def page(self, request: Request, job: str | None = None) -> Response:
        """The form, and the progress of a job when ?job= names one of the user's jobs."""
        return self._page(request, job=job_of(request, job[:40]) if job else None)

    @post("/", opt={"permission": "labels.print"})
    async def start(self, request: Request) -> Response:
        """Start a job for the tags or intake batch typed, then show its progress bar."""
        form = await FormReader.of(request, gettext_of(request))
        tags = ",".join(re.split(r"[\s,;]+", form.text("tags", 60_000)))
        batch = form.text("intake_batch", 80)
        layout = form.text("layout", 40) or "a4-3x7"
        start_at = form.whole("start_at", 1, 100, default=1)
        error, status = next(iter(form.errors.values()), None), 422
        if error is None:
            try:
                flt = selection(request, tags=tags, intake_batch=batch or None)
                job = await start_job(request, flt, layout, start_at or 1)
            except DomainError as exc:
                error, status = exc.render(form.gettext), error_status(exc)
            else:
                return Redirect(f"/labels?job={job.id}", status_code=303)
        return self._page(request, status=status, error=error, form=form.data,
                          errors=form.errors)

    @get("/jobs/{job_id:str}/progress", opt={"permission": "labels.print"})
    async def progress(self, request: Request, job_id: FromPath[str]) -> Response:
        """The progress fragment htmx polls; once the job ends it no longer asks to be polled."""
        return render(request, "labels/_progress.html", job=job_of(request, job_id))
