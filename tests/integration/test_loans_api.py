"""Check-out, return and loss over the API, on both databases: never one item twice, every
failed rule named, history written with each change."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import date, timedelta

import pytest

from inventory.db.tables import IdempotencyKey, Item, ItemEvent, Loan, LoanLine
from inventory.domain.loan_policy import add_months
from inventory.services import items
from inventory.services.common import SYSTEM, today
from tests.factories import make_item
from tests.integration.people_world import build_world


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def available(kind="laptop", **fields):
    """An item refurbished and ready to lend."""
    if kind not in ("sim", "data_card"):
        fields.setdefault("accessories", ["chargeur", "housse"])
    row = await make_item(kind, **fields)
    if kind in ("sim", "data_card"):
        return row["tag"]
    for target in ("refurbishing", "available"):
        await items.change_state(SYSTEM, row["tag"], target)
    return row["tag"]


async def eligible(world, kinds=("laptop",), **person):
    """A person referred by organisation A with a valid decision covering ``kinds``."""
    created = await world.person(world.sw_a, **person)
    number = created["number"]
    await world.sw_a.post("/api/v1/referrals/", {"beneficiary_number": number,
                                                 "requested_kinds": list(kinds)})
    decision = await world.sw_a.post(f"/api/v1/beneficiaries/{number}/decisions",
                                     {"requested_kinds": list(kinds)})
    assert decision.json()["eligible"], decision.text
    return number


async def lend(caller, number, *tags, accessories=(), headers=None, **extra):
    body = {"beneficiary_number": number,
            "lines": [{"tag": t, "accessories": list(accessories)} for t in tags], **extra}
    return await caller.http.post("/api/v1/loans/", json=body,
                                  headers={**caller.headers, **(headers or {})})


async def test_a_laptop_is_lent_with_its_accessories_and_history(world):
    number = await eligible(world)
    tag = await available()
    response = await lend(world.desk_aub, number, tag, accessories=["chargeur"],
                          deposit_cents=5000, deposit_form="cheque_not_cashed")
    assert response.status_code == 201, response.text
    loan = response.json()
    assert loan["reference"].startswith("P-") and loan["status"] == "open"
    assert loan["due_on"] == add_months(today(), 3).isoformat() and not loan["overdue"]
    assert loan["lines"][0]["accessories_out"] == ["chargeur"]
    assert (await items.get_item(tag))["state"] == "on_loan"
    events = await ItemEvent.select().where(ItemEvent.to_state == "on_loan")
    assert [e["reason"] for e in events] == [loan["reference"]]
    seen = await world.sw_a.get(f"/api/v1/loans/{loan['reference']}")
    assert seen.status_code == 200 and seen.json()["vouchers"] == {}


async def test_no_decision_means_no_loan_and_a_clear_reason(world):
    person = await world.person(world.sw_a)
    response = await lend(world.desk_aub, person["number"], await available())
    assert response.status_code == 409
    assert "Aucune décision d’éligibilité" in response.json()["detail"]
    assert await Loan.count() == 0


async def test_a_decision_covers_only_the_kinds_it_names(world):
    number = await eligible(world, kinds=("laptop",))
    response = await lend(world.desk_aub, number, await available("tablet"))
    assert response.status_code == 409
    assert "ne couvre pas" in response.json()["detail"] and "tablette" in response.json()["detail"]


async def test_the_person_limit_is_checked_again_at_check_out(world):
    number = await eligible(world, kinds=("laptop", "tablet"))
    first = await lend(world.desk_aub, number, await available())
    assert first.status_code == 201
    second = await lend(world.desk_aub, number, await available("tablet"))
    assert second.status_code == 409
    assert "limite" in second.json()["detail"]
    preview = await world.sw_a.post(f"/api/v1/beneficiaries/{number}/decisions/preview",
                                    {"requested_kinds": ["tablet"]})
    failed = [o["rule"] for o in preview.json()["outcomes"] if not o["passed"]]
    assert "person_limit" in failed, "decisions see the loans too"


async def test_an_item_that_is_not_ready_cannot_be_lent(world):
    number = await eligible(world)
    received = (await make_item("laptop"))["tag"]
    response = await lend(world.desk_aub, number, received)
    assert response.status_code == 409
    assert received in response.json()["detail"]
    unknown = await lend(world.desk_aub, number, "ESN-99999-9")
    assert unknown.status_code == 404


async def test_accessories_must_be_the_items_own(world):
    number = await eligible(world)
    response = await lend(world.desk_aub, number, await available(), accessories=["yacht"])
    assert response.status_code == 422
    assert "yacht" in response.json()["detail"]


async def test_a_card_code_is_shown_in_the_handover_answer_only(world):
    number = await eligible(world, kinds=("sim",))
    card = await available("sim", operator="Orange", price_cents=1000,
                           voucher_code="12345678901234")
    response = await lend(world.desk_aub, number, card)
    assert response.status_code == 201, response.text
    loan = response.json()
    assert loan["vouchers"] == {card: "12345678901234"}
    assert loan["due_on"] is None and (await items.get_item(card))["state"] == "issued"
    again = await world.coordinator.get(f"/api/v1/loans/{loan['reference']}")
    assert "12345678901234" not in again.text
    revealed = await ItemEvent.select().where(ItemEvent.action == "voucher_revealed")
    assert len(revealed) == 1


async def test_a_return_waits_for_the_wipe_and_records_missing_accessories(world):
    number = await eligible(world)
    tag = await available()
    loan = (await lend(world.desk_aub, number, tag, accessories=["chargeur", "housse"])).json()
    response = await world.desk_aub.post("/api/v1/returns", {
        "tag": tag.lower().replace("-", " "), "accessories_back": ["chargeur"],
        "condition": "rayure sur le capot"})
    assert response.status_code == 200, response.text
    back = response.json()
    assert back["reference"] == loan["reference"] and back["status"] == "closed"
    assert back["lines"][0]["missing_accessories"] == ["housse"]
    assert (await items.get_item(tag))["state"] == "returned"
    assert await ItemEvent.count().where(ItemEvent.action == "accessories_missing") == 1
    twice = await world.desk_aub.post("/api/v1/returns", {"tag": tag})
    assert twice.status_code == 409 and "n’est pas en prêt" in twice.json()["detail"]
    # A year must pass before another laptop (cooldown of the default rule set).
    next_one = await lend(world.desk_aub, number, await available())
    assert next_one.status_code == 409 and "prochain prêt possible" in next_one.text


async def test_a_loss_blocks_new_loans_until_it_is_settled(world):
    number = await eligible(world, kinds=("hotspot", "laptop"))
    tag = await available("hotspot")
    await lend(world.desk_aub, number, tag)
    lost = await world.desk_aub.post("/api/v1/losses", {
        "tag": tag, "outcome": "stolen", "on": today().isoformat(),
        "circumstances": "Vol dans le tram"})
    assert lost.status_code == 200, lost.text
    assert (await items.get_item(tag))["state"] == "stolen"
    blocked = await lend(world.desk_aub, number, await available())
    assert blocked.status_code == 409 and "perdu" in blocked.json()["detail"]
    line_id = lost.json()["lines"][0]["id"]
    assert (await world.desk_aub.post(f"/api/v1/losses/{line_id}/resolve",
                                      {"note": "remboursé"})).status_code == 403
    settled = await world.coordinator.post(f"/api/v1/losses/{line_id}/resolve",
                                           {"note": "Plainte déposée, pas de frais"})
    assert settled.status_code == 204
    assert (await lend(world.desk_aub, number, await available())).status_code == 201


async def test_a_chosen_due_date_must_stay_within_the_policy(world):
    number = await eligible(world)
    too_late = (today() + timedelta(days=400)).isoformat()
    response = await lend(world.desk_aub, number, await available(), due_on=too_late)
    assert response.status_code == 422
    assert "au plus tard" in response.json()["detail"]
    assert await Item.count().where(Item.state == "on_loan") == 0


async def test_a_retried_check_out_returns_the_first_answer_and_lends_nothing_more(world):
    number = await eligible(world)
    tag = await available()
    key = {"idempotency-key": "desk-aub-42"}
    first = await lend(world.desk_aub, number, tag, headers=key)
    again = await lend(world.desk_aub, number, tag, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json()["reference"] == first.json()["reference"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert await Loan.count() == 1 and await IdempotencyKey.count() == 1
    other = await lend(world.desk_aub, number, await available(), headers=key)
    assert other.status_code == 422


async def test_fifty_concurrent_check_outs_of_one_item_lend_it_once(world):
    number = await eligible(world)
    tag = await available()
    responses = await asyncio.gather(*(lend(world.desk_aub, number, tag) for _ in range(50)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 49, codes
    refused = next(r for r in responses if r.status_code == 409)
    assert tag in refused.json()["detail"] or "limite" in refused.json()["detail"]
    assert await LoanLine.count() == 1
    assert await ItemEvent.count().where(ItemEvent.to_state == "on_loan") == 1


async def test_two_items_at_once_to_a_person_allowed_one_lend_only_one(world):
    number = await eligible(world, kinds=("laptop", "tablet"))
    laptop, tablet = await available(), await available("tablet")
    responses = await asyncio.gather(lend(world.desk_aub, number, laptop),
                                     lend(world.desk_aub, number, tablet))
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert await LoanLine.count() == 1


async def test_overdue_loans_are_listed(world):
    number = await eligible(world)
    loan = (await lend(world.desk_aub, number, await available())).json()
    await Loan.update({Loan.due_on: date(2020, 1, 1)}).where(
        Loan.reference == loan["reference"])
    late = (await world.coordinator.get("/api/v1/loans/?overdue=true")).json()
    assert [(x["reference"], x["overdue"]) for x in late] == [(loan["reference"], True)]
    assert (await world.sw_b.get("/api/v1/loans/?overdue=true")).json() == []
    assert (await world.sw_b.get(f"/api/v1/loans/{loan['reference']}")).status_code == 404
