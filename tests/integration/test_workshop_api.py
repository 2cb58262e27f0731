"""Wipes and repairs over the API, on both databases: no returned device is lent again
without a recorded wipe, and every repair step is in the item's history."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from inventory.db.tables import ItemEvent, LoanLine, RepairTicket, WipeRecord
from inventory.services import items
from inventory.services.common import SYSTEM, today
from tests.factories import make_item
from tests.integration.people_world import build_world
from tests.integration.test_loans_api import available, eligible, lend


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def returned(world, name="Élodie", kind="laptop"):
    """A device lent to a new person and brought back: it waits for its wipe."""
    number = await eligible(world, kinds=(kind,), first_name=name,
                            phone=f"06 12 34 56 {len(name):02d}")
    tag = await available(kind)
    assert (await lend(world.desk_aub, number, tag)).status_code == 201
    back = await world.desk_aub.post("/api/v1/returns", {"tag": tag})
    assert back.status_code == 200, back.text
    return tag


def wipe_body(tag, passed=True, check_passed=True, **extra):
    return {"tag": tag, "method": "nist_clear", "tool": "ShredOS / nwipe",
            "wiped_on": today().isoformat(), "passed": passed, "check_passed": check_passed,
            **extra}


async def state_of(tag):
    return (await items.get_item(tag))["state"]


async def test_a_returned_laptop_is_available_again_only_after_a_passed_wipe(world):
    tag = await returned(world)
    generic = await world.technician.post(f"/api/v1/items/{tag}/transitions",
                                          {"to": "available"})
    assert generic.status_code == 409 and "effacement" in generic.json()["detail"]
    assert await state_of(tag) == "returned"
    response = await world.technician.post("/api/v1/wipes/", wipe_body(tag))
    assert response.status_code == 201, response.text
    wipe = response.json()
    assert wipe["released"] and wipe["item_state"] == "available"
    assert tag in wipe["message"] and "disponible" in wipe["message"]
    assert wipe["method_label"] == "effacement NIST 800-88 Clear"
    assert wipe["loan_line_id"] == (await LoanLine.select(LoanLine.id).first())["id"]
    assert await state_of(tag) == "available"
    events = await ItemEvent.select(ItemEvent.action, ItemEvent.to_state, ItemEvent.reason).where(
        ItemEvent.action.is_in(["wipe_recorded", "transition"])).order_by(ItemEvent.id)
    assert events[-2:] == [
        {"action": "wipe_recorded", "to_state": None, "reason": wipe["reference"]},
        {"action": "transition", "to_state": "available", "reason": wipe["reference"]}]


@pytest.mark.parametrize("passed,check_passed", [(False, True), (True, False)])
async def test_a_failed_wipe_or_check_is_recorded_and_the_device_stays_to_wipe(
        world, passed, check_passed):
    tag = await returned(world)
    response = await world.technician.post("/api/v1/wipes/",
                                           wipe_body(tag, passed, check_passed))
    assert response.status_code == 201, response.text
    wipe = response.json()
    assert not wipe["released"] and wipe["item_state"] == "returned"
    assert "effacer de nouveau" in wipe["message"] and "réparation" in wipe["message"]
    assert await state_of(tag) == "returned"
    assert await WipeRecord.count() == 1
    assert await ItemEvent.count().where(ItemEvent.action == "wipe_recorded") == 1
    queue = (await world.technician.get("/api/v1/wipes/queue")).json()
    assert [(e["tag"], e["failed_attempts"]) for e in queue] == [(tag, 1)]


async def test_a_wipe_needs_a_known_method_a_past_date_and_a_wipeable_device(world):
    tag = await returned(world)
    tomorrow = (today() + timedelta(days=1)).isoformat()
    future = await world.technician.post("/api/v1/wipes/", wipe_body(tag, wiped_on=tomorrow))
    assert future.status_code == 422 and "futur" in future.json()["detail"]
    unknown = await world.technician.post("/api/v1/wipes/", wipe_body(tag, method="magnet"))
    assert unknown.status_code == 422 and "nist_purge" in unknown.json()["detail"]
    in_stock = await available()
    refused = await world.technician.post("/api/v1/wipes/", wipe_body(in_stock))
    assert refused.status_code == 409 and in_stock in refused.json()["detail"]
    missing = await world.technician.post("/api/v1/wipes/", wipe_body("ESN-99999-9"))
    assert missing.status_code == 404
    assert await WipeRecord.count() == 0


async def test_the_wipe_queue_lists_a_sites_returned_devices_oldest_first(world):
    first = await returned(world, "Élodie")
    second = await returned(world, "Maëlle", kind="tablet")
    queue = await world.desk_aub.get("/api/v1/wipes/queue?site=AUB")
    assert queue.status_code == 200
    assert [e["tag"] for e in queue.json()] == [first, second]
    assert queue.json()[1]["kind_label"] == "tablette"
    assert (await world.desk_aub.get("/api/v1/wipes/queue?site=BAC")).json() == []


async def test_a_wipe_record_gives_its_certificate(world):
    tag = await returned(world)
    wipe_id = (await world.technician.post("/api/v1/wipes/", wipe_body(tag))).json()["id"]
    read = await world.desk_aub.get(f"/api/v1/wipes/{wipe_id}")
    assert read.status_code == 200
    assert read.json()["operator"] and read.json()["tag"] == tag
    pdf = await world.desk_aub.get(f"/api/v1/wipes/{wipe_id}/certificate.pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    assert (await world.desk_aub.get("/api/v1/wipes/999")).status_code == 404


async def test_a_repair_from_a_return_with_parts_and_time_closes_to_refurbishing(world):
    tag = await returned(world)
    opened = await world.desk_aub.post("/api/v1/repairs/",
                                       {"tag": tag, "problem": "Ne charge plus"})
    assert opened.status_code == 201, opened.text
    ticket = opened.json()
    assert ticket["status"] == "open" and ticket["item_state"] == "in_repair"
    assert ticket["loan_line_id"] is not None
    url = f"/api/v1/repairs/{ticket['id']}"
    first = await world.technician.patch(url, {"diagnosis": "Connecteur de charge cassé",
                                               "status": "waiting_parts", "add_minutes": 30})
    assert first.status_code == 200, first.text
    assert first.json()["status_label"] == "en attente de pièces"
    second = await world.technician.patch(url, {"actions": "Connecteur remplacé",
                                                "status": "open", "add_minutes": 15})
    assert second.json()["minutes_spent"] == 45
    for name, cents in (("Connecteur DC", 890), ("Pâte thermique", 450)):
        part = await world.technician.post(f"{url}/parts", {"name": name, "cost_cents": cents})
        assert part.status_code == 201, part.text
    assert part.json()["parts_cents"] == 1340 and len(part.json()["parts"]) == 2
    closed = await world.technician.post(f"{url}/close", {"outcome": "refurbishing"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "done" and closed.json()["item_state"] == "refurbishing"
    assert await state_of(tag) == "refurbishing"
    actions = [e["action"] for e in await ItemEvent.select(ItemEvent.action).where(
        ItemEvent.reason == ticket["reference"])]
    assert actions == ["transition", "repair_updated", "repair_updated", "repair_part_added",
                       "repair_part_added", "transition"]
    again = await world.technician.patch(url, {"add_minutes": 5})
    assert again.status_code == 409 and "clôturé" in again.json()["detail"]


async def test_closing_a_repair_to_available_needs_a_wipe_since_it_opened(world):
    tag = await available()
    ticket = (await world.technician.post("/api/v1/repairs/",
                                          {"tag": tag, "problem": "Écran qui clignote"})).json()
    url = f"/api/v1/repairs/{ticket['id']}/close"
    refused = await world.technician.post(url, {"outcome": "available"})
    assert refused.status_code == 409 and "effacement" in refused.json()["detail"]
    assert await state_of(tag) == "in_repair"
    wiped = await world.technician.post("/api/v1/wipes/", wipe_body(tag))
    assert wiped.status_code == 201 and wiped.json()["item_state"] == "in_repair"
    assert "clôturez" in wiped.json()["message"]
    closed = await world.technician.post(url, {"outcome": "available"})
    assert closed.status_code == 200, closed.text
    assert await state_of(tag) == "available"


async def test_an_unrepairable_device_is_retired(world):
    tag = await available()
    ticket = (await world.coordinator.post("/api/v1/repairs/",
                                           {"tag": tag, "problem": "Carte mère HS"})).json()
    closed = await world.coordinator.post(f"/api/v1/repairs/{ticket['id']}/close",
                                          {"outcome": "parts"})
    assert closed.json()["status"] == "unrepairable" and await state_of(tag) == "retired"


async def test_an_item_has_one_open_repair_ticket_at_a_time(world):
    tag = await returned(world)
    first = await world.technician.post("/api/v1/repairs/", {"tag": tag, "problem": "Clavier"})
    second = await world.technician.post("/api/v1/repairs/", {"tag": tag, "problem": "Écran"})
    assert first.status_code == 201 and second.status_code == 409
    assert first.json()["reference"] in second.json()["detail"]
    assert await RepairTicket.count() == 1


async def test_the_repair_queue_is_per_site_oldest_first(world):
    aub_old, aub_new = await available(), await available("tablet")
    bac = (await make_item("laptop", site_code="BAC"))["tag"]
    await items.change_state(SYSTEM, bac, "refurbishing")
    for tag in (aub_old, bac, aub_new):
        response = await world.technician.post("/api/v1/repairs/", {"tag": tag, "problem": "?"})
        assert response.status_code == 201, response.text
    queue = await world.desk_aub.get("/api/v1/repairs/?site=AUB")
    assert queue.status_code == 200
    assert [t["tag"] for t in queue.json()] == [aub_old, aub_new]
    assert [t["tag"] for t in (await world.desk_bac.get("/api/v1/repairs/?site=BAC")).json()] \
        == [bac]
    first = queue.json()[0]["id"]
    await world.technician.post(f"/api/v1/repairs/{first}/close", {"outcome": "refurbishing"})
    assert [t["tag"] for t in (await world.technician.get("/api/v1/repairs/?site=AUB")).json()] \
        == [aub_new]
    done = await world.technician.get("/api/v1/repairs/?status=done")
    assert [t["tag"] for t in done.json()] == [aub_old]
    assert (await world.technician.get("/api/v1/repairs/?status=lost")).status_code == 422


async def test_the_workshop_writes_the_desk_reads_and_social_workers_are_refused(world):
    tag = await returned(world)
    in_stock = await available()
    for url in ("/api/v1/wipes/queue", "/api/v1/repairs/"):
        assert (await world.sw_a.get(url)).status_code == 403
        assert (await world.desk_aub.get(url)).status_code == 200
    assert (await world.sw_a.post("/api/v1/wipes/", wipe_body(tag))).status_code == 403
    assert (await world.sw_a.post("/api/v1/repairs/",
                                  {"tag": tag, "problem": "x"})).status_code == 403
    assert (await world.desk_aub.post("/api/v1/wipes/", wipe_body(tag))).status_code == 403
    desk_from_stock = await world.desk_aub.post("/api/v1/repairs/",
                                                {"tag": in_stock, "problem": "x"})
    assert desk_from_stock.status_code == 409 and "atelier" in desk_from_stock.json()["detail"]
    ticket = (await world.desk_aub.post("/api/v1/repairs/",
                                        {"tag": tag, "problem": "Bruit"})).json()
    url = f"/api/v1/repairs/{ticket['id']}"
    assert (await world.desk_aub.patch(url, {"add_minutes": 5})).status_code == 403
    assert (await world.sw_a.get(url)).status_code == 403
    assert (await world.technician.patch(url, {"add_minutes": 5})).status_code == 200
