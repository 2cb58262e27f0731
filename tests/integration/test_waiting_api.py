"""Waiting list, renewals and transfers over the API, on both databases: the longest-waiting
eligible person first, an item set aside stays theirs, renewals yield to people waiting, and
items change site only while in the association's hands."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import datetime

import pytest

from inventory.db.tables import ItemEvent, Site, WaitingEntry
from inventory.domain.loan_policy import add_months
from inventory.domain.waiting import wait_days
from inventory.services import items
from inventory.services.common import from_json, today
from tests.factories import make_item
from tests.integration.people_world import build_world
from tests.integration.test_loans_api import available, eligible, lend

LIST = "/api/v1/waiting-list/"


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def wait_for(caller, number, kind="laptop", site="AUB"):
    response = await caller.post(LIST, {"beneficiary_number": number, "kind": kind,
                                        "site_code": site})
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_longest_waiting_eligible_person_is_proposed_first(world):
    nobody = (await world.person(world.sw_a, first_name="Aline"))["number"]
    bruno = await eligible(world, first_name="Bruno")
    chloe = await eligible(world, first_name="Chloé")
    entries = [await wait_for(world.sw_a, n) for n in (nobody, bruno, chloe)]
    tag = await available()

    nxt = await world.desk_aub.get("/api/v1/waiting-list/next?site=AUB&kind=laptop")
    assert nxt.status_code == 200, nxt.text
    assert nxt.json()["entry"]["beneficiary_number"] == bruno
    skipped = nxt.json()["skipped"]
    assert [s["entry"]["beneficiary_number"] for s in skipped] == [nobody]
    assert "Aucune décision d’éligibilité" in skipped[0]["reason"]

    jump = await world.desk_aub.post(f"{LIST}{entries[2]['id']}/propose", {"tag": tag})
    assert jump.status_code == 409 and "plus longtemps" in jump.json()["detail"]
    refused = await world.desk_aub.post(f"{LIST}{entries[0]['id']}/propose", {"tag": tag})
    assert refused.status_code == 409 and "Aucune décision" in refused.json()["detail"]
    proposed = await world.desk_aub.post(f"{LIST}{entries[1]['id']}/propose", {"tag": tag})
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "proposed" and proposed.json()["proposed_tag"] == tag
    assert (await items.get_item(tag))["state"] == "reserved"
    assert await ItemEvent.count().where(ItemEvent.to_state == "reserved") == 1

    listed = (await world.coordinator.get(f"{LIST}?site=AUB&kind=laptop")).json()
    # Zero days waited, or one when Paris passed midnight since the entries were made.
    waited = [wait_days(datetime.fromisoformat(e["since"]), today()) for e in entries]
    assert set(waited) <= {0, 1}
    assert [(e["beneficiary_number"], e["position"], e["wait_days"]) for e in listed["entries"]] \
        == [(nobody, 1, waited[0]), (bruno, 2, waited[1]), (chloe, 3, waited[2])]
    assert listed["stats"]["waiting"] == 3
    assert listed["stats"]["average_days"] == pytest.approx(sum(waited) / 3, abs=0.1)
    other_org = (await world.sw_b.get(f"{LIST}?site=AUB&kind=laptop")).json()
    assert other_org["entries"] == [] and other_org["stats"]["waiting"] == 3


async def test_an_item_set_aside_is_lent_only_to_its_person_and_serves_the_entry(world):
    first = await eligible(world, first_name="Bruno")
    second = await eligible(world, first_name="Chloé")
    entry = await wait_for(world.desk_aub, first)
    tag = await available()
    assert (await world.desk_aub.post(f"{LIST}{entry['id']}/propose",
                                      {"tag": tag})).status_code == 200
    other = await lend(world.desk_aub, second, tag)
    assert other.status_code == 409
    assert tag in other.json()["detail"] and "mis de côté" in other.json()["detail"]
    own = await lend(world.desk_aub, first, tag)
    assert own.status_code == 201, own.text
    served = await WaitingEntry.select().where(WaitingEntry.id == entry["id"]).first()
    assert served["status"] == "served" and served["closed_at"] is not None
    listed = (await world.coordinator.get(f"{LIST}?site=AUB&kind=laptop")).json()
    assert listed["entries"] == [] and listed["stats"]["served"] == 1


async def test_a_check_out_without_proposal_serves_the_entry_too(world):
    number = await eligible(world)
    entry = await wait_for(world.desk_aub, number)
    assert (await lend(world.desk_aub, number, await available())).status_code == 201
    row = await WaitingEntry.select(WaitingEntry.status).where(
        WaitingEntry.id == entry["id"]).first()
    assert row["status"] == "served"


async def test_an_item_proposed_but_not_taken_goes_back_on_the_shelf(world):
    number = await eligible(world)
    entry = await wait_for(world.desk_aub, number)
    proposed, other = await available(), await available()
    await world.desk_aub.post(f"{LIST}{entry['id']}/propose", {"tag": proposed})
    assert (await lend(world.desk_aub, number, other)).status_code == 201
    assert (await items.get_item(proposed))["state"] == "available"
    assert (await items.get_item(other))["state"] == "on_loan"


async def test_one_open_entry_per_person_kind_and_site(world):
    number = await eligible(world, kinds=("laptop", "tablet"))
    entry = await wait_for(world.desk_aub, number)
    twice = await world.desk_aub.post(LIST, {"beneficiary_number": number, "kind": "laptop",
                                             "site_code": "AUB"})
    assert twice.status_code == 409 and "déjà sur la liste" in twice.json()["detail"]
    await wait_for(world.desk_aub, number, kind="tablet")
    await wait_for(world.desk_aub, number, site="BAC")
    cancelled = await world.desk_aub.post(f"{LIST}{entry['id']}/cancel", {"note": "a trouvé"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await world.desk_aub.post(f"{LIST}{entry['id']}/cancel", {})
    assert again.status_code == 409
    await wait_for(world.desk_aub, number)


async def test_cancelling_a_proposal_puts_the_item_back_on_the_shelf(world):
    number = await eligible(world)
    entry = await wait_for(world.desk_aub, number)
    tag = await available()
    await world.desk_aub.post(f"{LIST}{entry['id']}/propose", {"tag": tag})
    cancelled = await world.coordinator.post(f"{LIST}{entry['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert (await items.get_item(tag))["state"] == "available"


async def test_only_an_item_of_the_kind_ready_at_the_site_can_be_proposed(world):
    number = await eligible(world)
    entry = await wait_for(world.desk_aub, number)
    tablet = await available("tablet")
    wrong_kind = await world.desk_aub.post(f"{LIST}{entry['id']}/propose", {"tag": tablet})
    assert wrong_kind.status_code == 422
    elsewhere = await available(site_code="BAC")
    other_site = await world.desk_aub.post(f"{LIST}{entry['id']}/propose", {"tag": elsewhere})
    assert other_site.status_code == 409 and "BAC" in other_site.json()["detail"]
    not_ready = (await make_item("laptop"))["tag"]
    refused = await world.desk_aub.post(f"{LIST}{entry['id']}/propose", {"tag": not_ready})
    assert refused.status_code == 409
    assert (await world.desk_aub.post(f"{LIST}{entry['id']}/propose",
                                      {"tag": "ESN-99999-9"})).status_code == 404


async def test_the_waiting_list_stays_within_each_persons_scope(world):
    number = await eligible(world)
    outsider = await world.sw_b.post(LIST, {"beneficiary_number": number, "kind": "laptop",
                                            "site_code": "AUB"})
    assert outsider.status_code == 404
    entry = await wait_for(world.sw_a, number)
    assert (await world.sw_b.post(f"{LIST}{entry['id']}/cancel", {})).status_code == 404
    assert (await world.technician.get(LIST)).status_code == 403
    assert (await world.sw_a.post(f"{LIST}{entry['id']}/propose",
                                  {"tag": await available()})).status_code == 403
    unknown = await world.sw_a.post(LIST, {"beneficiary_number": number, "kind": "yacht",
                                           "site_code": "AUB"})
    assert unknown.status_code == 422


# --- renewals ---------------------------------------------------------------------------

async def renew(caller, reference):
    return await caller.post(f"/api/v1/loans/{reference}/renew")


async def test_a_renewal_is_refused_while_someone_waits_for_the_kind(world):
    borrower = await eligible(world, kinds=("hotspot",), first_name="Bruno")
    tag = await available("hotspot")
    loan = (await lend(world.desk_aub, borrower, tag)).json()
    waiting = await wait_for(world.sw_a, await eligible(world, kinds=("hotspot",),
                                                        first_name="Chloé"), kind="hotspot")
    refused = await renew(world.desk_aub, loan["reference"])
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "Quelqu’un attend" in detail and "routeur 4G" in detail

    await world.sw_a.post(f"{LIST}{waiting['id']}/cancel", {})
    renewed = await renew(world.desk_aub, loan["reference"])
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    first_due = add_months(add_months(today(), 1), 1)
    assert body["renewals_done"] == 1 and body["due_on"] == first_due.isoformat()
    assert body["lines"][0]["due_on"] == first_due.isoformat()
    event = await ItemEvent.select().where(ItemEvent.action == "renewed").first()
    assert event["reason"] == loan["reference"]
    assert from_json(event["details"], {}) == {"due_on": first_due.isoformat()}

    assert (await renew(world.desk_aub, loan["reference"])).status_code == 200  # hotspot: 2
    third = await renew(world.desk_aub, loan["reference"])
    assert third.status_code == 409 and "déjà été prolongé 2 fois" in third.json()["detail"]


async def test_a_laptop_loan_is_renewed_once_and_only_by_the_desk(world):
    number = await eligible(world)
    loan = (await lend(world.desk_aub, number, await available())).json()
    assert (await renew(world.sw_a, loan["reference"])).status_code == 403
    renewed = await renew(world.coordinator, loan["reference"])
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["due_on"] == add_months(add_months(today(), 3), 3).isoformat()
    again = await renew(world.desk_aub, loan["reference"])
    assert again.status_code == 409 and "la limite est de 1" in again.json()["detail"]
    assert (await renew(world.desk_aub, "P-99999-9")).status_code == 404


async def test_a_card_handover_has_nothing_to_renew(world):
    number = await eligible(world, kinds=("sim",))
    card = await available("sim", operator="Orange", price_cents=1000)
    loan = (await lend(world.desk_aub, number, card)).json()
    refused = await renew(world.desk_aub, loan["reference"])
    assert refused.status_code == 409 and "rien à prolonger" in refused.json()["detail"]


# --- transfers --------------------------------------------------------------------------

async def transfer(caller, tag, site="BAC", note=""):
    return await caller.post(f"/api/v1/items/{tag}/transfer", {"site_code": site, "note": note})


async def test_a_transfer_changes_the_site_and_writes_history(world):
    tag = await available()
    moved = await transfer(world.desk_aub, tag, note="manque à Bacalan")
    assert moved.status_code == 200, moved.text
    assert moved.json()["site_code"] == "BAC" and moved.json()["state"] == "available"
    bac = await Site.select(Site.id).where(Site.code == "BAC").first()
    assert (await items.get_item(tag))["site"] == bac["id"]
    history = (await world.technician.get(f"/api/v1/items/{tag}/history")).json()
    assert history[0]["action"] == "transfer" and history[0]["site_code"] == "BAC"
    assert history[0]["details"] == {"from": "AUB", "to": "BAC"}
    assert history[0]["note"] == "manque à Bacalan"
    back = await transfer(world.technician, tag, site="AUB")
    assert back.status_code == 200 and back.json()["site_code"] == "AUB"
    same = await transfer(world.technician, tag, site="AUB")
    assert same.status_code == 422
    assert (await transfer(world.technician, tag, site="ZZZ")).status_code == 404


async def test_an_item_on_loan_cannot_be_transferred(world):
    number = await eligible(world)
    tag = await available()
    assert (await lend(world.desk_aub, number, tag)).status_code == 201
    refused = await transfer(world.coordinator, tag)
    assert refused.status_code == 409
    assert tag in refused.json()["detail"] and "il est prêté" in refused.json()["detail"]
    assert await ItemEvent.count().where(ItemEvent.action == "transfer") == 0


async def test_a_front_desk_transfers_only_the_items_of_its_own_site(world):
    tag = await available()
    refused = await transfer(world.desk_bac, tag, site="BAC")
    assert refused.status_code == 409 and "autre site" in refused.json()["detail"]
    assert (await items.get_item(tag))["site_code"] == "AUB"
    assert (await transfer(world.sw_a, tag)).status_code == 403
    assert (await transfer(world.desk_aub, tag)).status_code == 200


async def test_the_database_refuses_a_second_open_entry_even_past_the_service(world):
    number = await eligible(world, first_name="Bruno")
    entry = await wait_for(world.sw_a, number)
    first = await WaitingEntry.select().where(WaitingEntry.id == entry["id"]).first()
    twin = {key: value for key, value in first.items() if key != "id"}
    with pytest.raises(Exception, match="(?i)unique"):
        await WaitingEntry.insert(WaitingEntry(**twin))
    # Once the first is closed, the person may wait again: the index covers open entries only.
    await WaitingEntry.update({WaitingEntry.status: "cancelled"}).where(
        WaitingEntry.id == entry["id"])
    again = await wait_for(world.sw_a, number)
    assert again["id"] != entry["id"]
    assert await WaitingEntry.count().where(WaitingEntry.beneficiary == first["beneficiary"]) == 2
