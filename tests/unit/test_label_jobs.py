"""The in-memory label job store: limits, expiry after 15 minutes, owners only."""

from __future__ import annotations

import pytest

from inventory.domain.errors import Conflict, NotFound
from inventory.services.label_jobs import JobStore
from labels import LabelData

LABELS = [LabelData(tag="ESN-00001-3", url="http://127.0.0.1:8000/i/ESN-00001-3",
                    kind="Ordinateur portable", model="Dell", site="Aubiers",
                    association="ESN")] * 3


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_finished_job_and_its_pdf_are_dropped_after_15_minutes():
    clock = Clock()
    store = JobStore(clock=clock)
    job = store.start(7, LABELS, "a4-3x7", 1)
    await job.task
    assert store.result(7, job.id).startswith(b"%PDF")
    clock.now += 14 * 60
    assert store.get(7, job.id) is job
    clock.now += 2 * 60
    with pytest.raises(NotFound):
        store.get(7, job.id)


async def test_only_the_owner_sees_a_job():
    store = JobStore()
    job = store.start(7, LABELS, "a4-3x7", 1)
    await job.task
    with pytest.raises(NotFound):
        store.get(8, job.id)
    with pytest.raises(NotFound):
        store.cancel(8, job.id)


async def test_the_oldest_finished_job_makes_room_and_too_many_running_are_refused():
    clock = Clock()
    store = JobStore(max_jobs=2, max_running=1, clock=clock)
    first = store.start(7, LABELS, "a4-3x7", 1)
    with pytest.raises(Conflict):
        store.start(7, LABELS, "a4-3x7", 1)
    await first.task
    clock.now += 1
    second = store.start(7, LABELS, "a4-3x7", 1)
    await second.task
    third = store.start(7, LABELS, "a4-3x7", 1)
    await third.task
    assert set(store.jobs) == {second.id, third.id}


async def test_a_failed_render_is_reported_with_its_reason():
    store = JobStore()
    job = store.start(7, LABELS, "roll-62x29", 2)
    await job.task
    assert job.status == "failed" and "Position 2 does not exist" in job.error.render(lambda m: m)
    with pytest.raises(Conflict):
        store.result(7, job.id)
