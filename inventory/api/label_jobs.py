"""Label print jobs: a big selection renders in the background while its progress is polled."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from msgspec import Struct

from inventory.api.errors import locale_of
from inventory.api.labels import label_errors_as_invalid_input, selected_labels, selection
from inventory.i18n import gettext_for
from inventory.services import items as svc
from inventory.services.label_jobs import DONE, LabelJob
from labels import render_pdf

JOBS = "/api/v1/labels/jobs"


class LabelJobStarted(Struct, kw_only=True):
    id: str
    status_url: str
    total: int


class LabelJobRead(Struct, kw_only=True):
    id: str
    status: str
    done: int
    total: int
    percent: int
    result_url: str | None
    error: str | None


async def start_job(request: Request, flt: svc.ItemFilter, layout: str,
                    start_at: int) -> LabelJob:
    """Check the layout and position, resolve the selection, then render in the background."""
    with label_errors_as_invalid_input():
        render_pdf([], layout, start_at)  # an empty render: checks layout and position at once
    labels = await selected_labels(flt, request.app.state.settings)
    return request.app.state.label_jobs.start(request.user.user_id, labels, layout, start_at)


def job_of(request: Request, job_id: str) -> LabelJob:
    """The caller's own job, or a 404."""
    return request.app.state.label_jobs.get(request.user.user_id, job_id)


def job_read(request: Request, job: LabelJob) -> LabelJobRead:
    """A job's state, its error (if any) in the caller's language."""
    error = job.error.render(gettext_for(locale_of(request))) if job.error else None
    return LabelJobRead(id=job.id, status=job.status, done=job.done, total=job.total,
                        percent=job.percent, error=error,
                        result_url=f"{JOBS}/{job.id}/result.pdf" if job.status == DONE else None)


class LabelJobController(Controller):
    path = JOBS
    tags = ["labels"]
    dependencies = {"flt": Provide(selection, sync_to_thread=False)}

    @post("/", opt={"permission": "labels.print"}, status_code=202)
    async def start(
        self, request: Request, flt: NamedDependency[svc.ItemFilter],
        layout: Annotated[str, QueryParameter(max_length=40)] = "a4-3x7",
        start_at: FromQuery[int] = 1,
    ) -> LabelJobStarted:
        """Start rendering the selection's labels (as sheet.pdf would); poll status_url."""
        job = await start_job(request, flt, layout, start_at)
        return LabelJobStarted(id=job.id, status_url=f"{JOBS}/{job.id}", total=job.total)

    @get("/{job_id:str}", opt={"permission": "labels.print"})
    async def status(self, request: Request, job_id: FromPath[str]) -> LabelJobRead:
        """Where a job stands: running, done (result_url set) or failed (error set)."""
        return job_read(request, job_of(request, job_id))

    @get("/{job_id:str}/result.pdf", opt={"permission": "labels.print"},
         media_type="application/pdf")
    async def result(self, request: Request, job_id: FromPath[str]) -> Response[bytes]:
        """The finished PDF; 409 while it is still rendering."""
        pdf = request.app.state.label_jobs.result(request.user.user_id, job_id)
        return Response(pdf, media_type="application/pdf",
                        headers={"content-disposition": 'inline; filename="etiquettes.pdf"'})

    @delete("/{job_id:str}", opt={"permission": "labels.print"}, status_code=204)
    async def cancel(self, request: Request, job_id: FromPath[str]) -> None:
        """Stop a running job, or forget a finished one and its PDF."""
        request.app.state.label_jobs.cancel(request.user.user_id, job_id)
