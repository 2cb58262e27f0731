"""The technicians' queue in the browser's way, on both databases: a wipe recorded from the
queue releases the device; a repair is worked on and closed from its page."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from inventory.db.tables import RepairPart, RepairTicket, WipeRecord
from inventory.i18n import gettext_for
from inventory.services import items
from inventory.services.common import today
from tests.integration.people_world import build_world
from tests.integration.test_web_portal import send
from tests.integration.test_workshop_api import returned

FR = gettext_for("fr")


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


def wipe_form(tag, **changes):
    return {"tag": tag, "method": "nist_clear", "tool": "ShredOS / nwipe",
            "wiped_on": today().isoformat(), "passed": "on", "check_passed": "on",
            "notes": "", **changes}


async def state_of(tag):
    return (await items.get_item(tag))["state"]


async def test_a_technician_records_a_passed_wipe_from_the_queue_and_the_device_is_available(
        world):
    tag = await returned(world)
    queue = await world.technician.get("/workshop")
    assert queue.status_code == 200 and tag in queue.text
    assert 'data-testid="workshop-wipe-form"' in queue.text
    assert 'data-testid="workshop-repairs"' in queue.text
    response = await send(world.technician, "/workshop/wipes", wipe_form(tag))
    assert response.status_code == 200, response.text
    message = FR("Wipe recorded: {tag} is available again.").format(tag=tag)
    assert message in response.text and 'data-testid="workshop-wipe-message"' in response.text
    assert await state_of(tag) == "available" and await WipeRecord.count() == 1
    after = await world.technician.get("/workshop")
    assert f'id="wipe-{tag}"' not in after.text


async def test_a_failed_check_keeps_the_device_to_wipe_and_says_so(world):
    tag = await returned(world)
    response = await send(world.technician, "/workshop/wipes",
                          wipe_form(tag, check_passed=""))
    assert response.status_code == 200
    assert FR("The wipe or the check failed: {tag} stays to wipe. Wipe it again or send it to "
              "repair.").format(tag=tag) in response.text
    assert await state_of(tag) == "returned"


async def test_a_wipe_without_a_tool_is_refused_and_the_typed_values_stay(world):
    tag = await returned(world)
    response = await send(world.technician, "/workshop/wipes",
                          wipe_form(tag, tool="", notes="Disque changé"))
    assert response.status_code == 422
    assert 'id="err-tool"' in response.text and 'value="Disque changé"' in response.text
    assert await state_of(tag) == "returned" and await WipeRecord.count() == 0


async def test_a_repair_is_worked_on_and_closed_from_its_page(world):
    tag = await returned(world)
    opened = await send(world.technician, "/workshop/repairs",
                        {"tag": tag, "problem": "Écran fissuré"})
    assert opened.status_code == 303
    page_url = opened.headers["location"]
    ticket_id = int(page_url.rsplit("/", 1)[1])
    assert (await world.technician.get("/workshop")).text.count(f"/workshop/repairs/{ticket_id}")
    update = await send(world.technician, page_url, {
        "diagnosis": "Dalle à remplacer", "actions": "", "status": "waiting_parts",
        "add_minutes": "30"})
    assert update.status_code == 303
    part = await send(world.technician, f"{page_url}/parts",
                      {"part_name": "Dalle 14 pouces", "part_cost": "42,50"})
    assert part.status_code == 303
    wrong = await send(world.technician, f"{page_url}/parts",
                       {"part_name": "Vis", "part_cost": "douze"})
    assert wrong.status_code == 422 and 'id="err-part_cost"' in wrong.text
    assert 'value="douze"' in wrong.text and 'value="Vis"' in wrong.text
    ticket = await RepairTicket.select().where(RepairTicket.id == ticket_id).first()
    assert ticket["diagnosis"] == "Dalle à remplacer" and ticket["minutes_spent"] == 30
    assert ticket["status"] == "waiting_parts"
    assert [p["cost_cents"] for p in await RepairPart.select()] == [4250]
    page = await world.technician.get(page_url)
    assert "42,50 €" in page.text and FR("waiting for parts") in page.text
    closed = await send(world.technician, f"{page_url}/close", {"outcome": "refurbishing"})
    assert closed.status_code == 303
    assert await state_of(tag) == "refurbishing"
    again = await send(world.technician, f"{page_url}/close", {"outcome": "refurbishing"})
    assert again.status_code == 409


async def test_the_workshop_is_closed_to_social_workers_and_its_writes_to_the_desk(world):
    assert (await world.sw_a.get("/workshop")).status_code == 403
    tag = await returned(world)
    desk = await world.desk_aub.get("/workshop")
    assert desk.status_code == 200 and 'data-testid="workshop-wipe-form"' not in desk.text
    refused = await send(world.desk_aub, "/workshop/wipes", wipe_form(tag))
    assert refused.status_code == 403 and await state_of(tag) == "returned"
