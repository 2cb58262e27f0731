"""Label print jobs kept in this process's memory: start, follow, fetch the PDF, cancel.

A job lives in the process that renders it: its labels, progress and PDF are held here and
nowhere else. Behind several instances, the status and result URLs must reach the instance
that started the job (sticky sessions, or a single instance for printing). That is
acceptable because a job is only a convenience over the synchronous route
GET /api/v1/labels/sheet.pdf, which works on any instance: a job lost to a restart or to
another instance is started again. Finished jobs and their PDFs are dropped after
KEEP_SECONDS; only the user who started a job may see it (others get a 404, as if it did not
exist).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from inventory.domain.errors import Conflict, DomainError, N_, NotFound
from labels import LabelData, LabelError, render_pdf_async

log = logging.getLogger("inventory.labels")

MAX_JOBS = 20  # kept at once, running or finished, every user together
MAX_RUNNING = 4  # rendering at once: more would only share the same CPU
KEEP_SECONDS = 15 * 60
RUNNING, DONE, FAILED = "running", "done", "failed"


class JobCancelled(Exception):
    """Raised by the progress callback, in the worker thread, to stop a cancelled render."""


@dataclass(eq=False)
class LabelJob:
    """One render in progress or finished; done and total count labels."""

    id: str
    owner: int
    total: int
    status: str = RUNNING
    done: int = 0
    result: bytes | None = None
    error: DomainError | LabelError | None = None  # both have render(gettext)
    finished_at: float | None = None
    cancelled: bool = False
    task: asyncio.Task | None = field(default=None, repr=False)

    @property
    def percent(self) -> int:
        """Whole percent done (100 only once the PDF is ready)."""
        if self.status == DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0

    def progress(self, done: int, total: int) -> None:
        """Called from the render thread after each page; a plain int write needs no lock."""
        if self.cancelled:
            raise JobCancelled
        self.done = done


class LabelsFailed(DomainError):
    message = N_("These labels could not be printed. Try again, or print a smaller selection.")


class JobStore:
    """The jobs of this process, by id; expired ones are dropped whenever the store is used."""

    def __init__(self, *, max_jobs: int = MAX_JOBS, max_running: int = MAX_RUNNING,
                 keep_seconds: float = KEEP_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_jobs, self.max_running = max_jobs, max_running
        self.keep_seconds, self.clock = keep_seconds, clock
        self.jobs: dict[str, LabelJob] = {}

    def start(self, owner: int, labels: Sequence[LabelData], layout: str,
              start_at: int) -> LabelJob:
        """Start rendering in the background (call from the event loop); refused when busy."""
        self._make_room()
        job = LabelJob(id=secrets.token_urlsafe(12), owner=owner, total=len(labels))
        self.jobs[job.id] = job
        job.task = asyncio.get_running_loop().create_task(
            self._run(job, labels, layout, start_at), name=f"labels-{job.id}")
        return job

    def get(self, owner: int, job_id: str) -> LabelJob:
        """The owner's job, or NotFound (also for someone else's job or an expired one)."""
        self._expire()
        job = self.jobs.get(job_id)
        if job is None or job.owner != owner:
            raise NotFound(N_("No such print job: it may have expired (jobs are kept 15 "
                              "minutes) or been started on another server."))
        return job

    def result(self, owner: int, job_id: str) -> bytes:
        """The finished PDF; Conflict while it renders or when it failed."""
        job = self.get(owner, job_id)
        if job.status == FAILED:
            raise Conflict(N_("This print job failed: start it again."))
        if job.result is None:
            raise Conflict(N_("The labels are not ready yet: {done} of {total} done."),
                           done=job.done, total=job.total)
        return job.result

    def cancel(self, owner: int, job_id: str) -> None:
        """Stop a running job at its next page, or forget a finished one and its PDF."""
        job = self.get(owner, job_id)
        job.cancelled = True
        del self.jobs[job.id]

    def cancel_all(self) -> None:
        """Stop every job (on shutdown)."""
        for job in self.jobs.values():
            job.cancelled = True
        self.jobs.clear()

    async def _run(self, job: LabelJob, labels: Sequence[LabelData], layout: str,
                   start_at: int) -> None:
        try:
            job.result = await render_pdf_async(labels, layout, start_at, job.progress)
            job.status = DONE
        except JobCancelled:
            job.status = FAILED
        except LabelError as exc:
            job.status, job.error = FAILED, exc
        except Exception:  # noqa: BLE001 - a job must always end, and say it failed
            log.exception("label job %s failed", job.id)
            job.status, job.error = FAILED, LabelsFailed()
        finally:
            job.finished_at = self.clock()

    def _expire(self) -> None:
        limit = self.clock() - self.keep_seconds
        for job_id in [j.id for j in self.jobs.values()
                       if j.finished_at is not None and j.finished_at < limit]:
            del self.jobs[job_id]

    def _make_room(self) -> None:
        """Drop expired jobs, then the oldest finished ones; refuse when too many run."""
        self._expire()
        running = sum(job.status == RUNNING for job in self.jobs.values())
        if running >= self.max_running:
            raise Conflict(N_("{count} print jobs are already running: wait for one to "
                              "finish, or print a smaller selection right away."),
                           count=running)
        finished = sorted((j for j in self.jobs.values() if j.status != RUNNING),
                          key=lambda j: j.finished_at or 0.0)
        while len(self.jobs) >= self.max_jobs and finished:
            del self.jobs[finished.pop(0).id]
