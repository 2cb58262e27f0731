"""History you can trust (issue 8, item 4): item history and the access log are hash chains,
and `inventory verify-history` finds a changed or removed entry."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import AsyncExitStack

import pytest

from inventory.db.tables import AccessLog, ItemEvent
from inventory.services.history import verify_history
from tests.conftest import ROOT
from tests.integration.people_world import build_world
from tests.integration.privacy_helpers import available, followed, give_back, lend


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def some_history(world) -> str:
    """Two people, laptops lent and returned, records read: history in both tables."""
    first = await followed(world, world.sw_a, first_name="Ana", last_name="Lopes")
    second = await followed(world, world.sw_a, first_name="Bo", last_name="Nguyen",
                            phone="06 00 00 00 01")
    tag = await available()
    await lend(world.desk_aub, first["number"], tag)
    await give_back(world.desk_aub, tag)
    await lend(world.coordinator, second["number"], await available())
    for caller in (world.sw_a, world.coordinator):
        assert (await caller.get(f"/api/v1/beneficiaries/{first['number']}")).status_code == 200
    return tag


def cli_verify(db) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db.url, "PICCOLO_CONF": "inventory.piccolo_conf"}
    return subprocess.run([sys.executable, "-m", "inventory", "verify-history"], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


async def middle_event() -> dict:
    """An entry with entries of the same item before and after it."""
    rows = await ItemEvent.select(ItemEvent.id, ItemEvent.item).order_by(ItemEvent.id)
    by_item: dict[int, list[int]] = {}
    for row in rows:
        by_item.setdefault(row["item"], []).append(row["id"])
    ids = max(by_item.values(), key=len)
    assert len(ids) >= 3
    return {"id": ids[1], "next": ids[2]}


async def test_history_written_by_every_use_case_is_chained_and_verifies(world, db):
    await some_history(world)
    assert await ItemEvent.count().where(ItemEvent.hash.is_null()) == 0
    assert await AccessLog.count().where(AccessLog.hash.is_null()) == 0
    events, accesses = await verify_history()
    assert events.first_broken is None and accesses.first_broken is None
    assert events.checked == await ItemEvent.count() and events.legacy == 0
    assert accesses.checked == await AccessLog.count() > 0
    assert accesses.chains >= 2
    done = cli_verify(db)
    assert done.returncode == 0, done.stderr
    assert "Historique intact." in done.stdout


async def test_a_changed_state_is_reported_at_that_entry(world, db):
    await some_history(world)
    target = await middle_event()
    await ItemEvent.raw("UPDATE item_event SET to_state = 'lost' WHERE id = {}", target["id"])
    events, _ = await verify_history()
    assert events.first_broken.row_id == target["id"]
    assert "changed" in events.first_broken.problem
    done = cli_verify(db)
    assert done.returncode == 1
    assert f"ligne {target['id']}" in done.stderr and "item_event" in done.stderr


async def test_a_removed_entry_is_reported_at_the_entry_after_it(world, db):
    await some_history(world)
    target = await middle_event()
    await ItemEvent.raw("DELETE FROM item_event WHERE id = {}", target["id"])
    events, _ = await verify_history()
    assert events.first_broken.row_id == target["next"]
    assert "removed" in events.first_broken.problem
    assert cli_verify(db).returncode == 1


async def test_a_changed_access_log_entry_is_reported(world, db):
    await some_history(world)
    rows = await AccessLog.select(AccessLog.id).order_by(AccessLog.id)
    await AccessLog.raw("UPDATE access_log SET actor_role = 'front_desk' WHERE id = {}",
                        rows[1]["id"])
    events, accesses = await verify_history()
    assert events.first_broken is None
    assert accesses.first_broken.row_id == rows[1]["id"]
    assert accesses.first_broken.table == "access_log"
    done = cli_verify(db)
    assert done.returncode == 1 and "access_log" in done.stderr
