"""The front-desk pages on both databases: find a person, lend through the form, see why a
loan is refused, take a device back and send it to repair, and the item page's loan facts."""

from __future__ import annotations

import html
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest

from inventory.db.tables import Item, ItemEvent, Loan, LoanLine
from inventory.services import items
from tests.integration.people_world import Caller, build_world
from tests.integration.test_loans_api import available, eligible, lend


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def form_post(caller: Caller, url: str, fields: list[tuple[str, str]]):
    """Post a form as the browser does, with the session's CSRF field."""
    data: dict[str, list[str]] = {"_csrf": [caller.headers["x-csrf-token"]]}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return await caller.http.post(url, data=data, headers={"accept": "text/html"})


async def page(caller: Caller, url: str, **params):
    return await caller.http.get(url, params=params, headers={"accept": "text/html"})


def text_of(response) -> str:
    return html.unescape(response.text)


async def test_the_lend_page_finds_a_person_by_name_with_or_without_javascript(world):
    number = await eligible(world, first_name="Odette", last_name="Marchal")
    await world.person(world.sw_a, first_name="Paul", last_name="Durand",
                       phone="06 99 88 77 66")
    full = await page(world.desk_aub, "/lend", q="marchal")
    assert full.status_code == 200
    assert 'data-testid="lend-person-result"' in full.text and number in full.text
    assert "Durand" not in full.text
    fragment = await page(world.desk_aub, "/lend/people", q="odette")
    assert fragment.status_code == 200 and number in fragment.text
    assert "<html" not in fragment.text, "a fragment for htmx, not a page"
    chosen = await page(world.desk_aub, "/lend", person=number)
    assert chosen.status_code == 200
    assert "Peut emprunter" in text_of(chosen) and 'data-testid="lend-tag-input"' in chosen.text


async def test_lending_through_the_form_creates_the_loan_and_shows_the_reference(world):
    number = await eligible(world)
    tag = await available()
    added = await form_post(world.desk_aub, "/lend", [
        ("person", number), ("action", "add"), ("scan", tag.lower())])
    assert added.status_code == 200, added.text
    assert f'name="tag" value="{tag}"' in added.text and f'name="acc:{tag}"' in added.text
    done = await form_post(world.desk_aub, "/lend", [
        ("person", number), ("tag", tag), (f"acc:{tag}", "chargeur"), ("action", "confirm"),
        ("deposit_amount", "50"), ("deposit_form", "cheque_not_cashed")])
    assert done.status_code == 200, done.text
    loan = await Loan.select().first()
    assert loan is not None and loan["deposit_cents"] == 5000
    body = text_of(done)
    assert 'data-testid="lend-confirmation"' in body and loan["reference"] in body
    assert f"/api/v1/loans/{loan['reference']}/agreement.pdf" in body
    assert "Imprimer la convention" in body
    line = await LoanLine.select().first()
    assert line["accessories_out"] in (["chargeur"], '["chargeur"]')
    assert (await items.get_item(tag))["state"] == "on_loan"


async def test_an_item_page_leads_to_the_lend_form_with_the_item_filled_in(world):
    tag = await available()
    item = await page(world.desk_aub, f"/i/{tag}")
    assert f"/lend?tag={tag}" in item.text
    form = await page(world.desk_aub, "/lend", tag=tag)
    assert form.status_code == 200 and f'name="tag" value="{tag}"' in form.text
    technician = await page(world.technician, f"/i/{tag}")
    assert "/lend?tag=" not in technician.text, "technicians do not lend"


async def test_a_person_without_a_decision_gets_the_reason_with_409_and_the_form_kept(world):
    person = await world.person(world.sw_a)
    tag = await available()
    response = await form_post(world.desk_aub, "/lend", [
        ("person", person["number"]), ("tag", tag), (f"acc:{tag}", "housse"),
        ("action", "confirm"), ("deposit_amount", "20"), ("deposit_form", "cash"),
        ("note", "venue avec sa fille")])
    assert response.status_code == 409
    body = text_of(response)
    assert "Aucune décision d’éligibilité" in body
    assert f'name="tag" value="{tag}"' in body and "venue avec sa fille" in body
    assert 'value="20"' in body and 'value="cash" selected' in body
    assert 'value="housse" checked' in body and 'value="chargeur" checked' not in body
    assert await Loan.count() == 0


async def test_a_refusal_by_the_rules_lists_every_reason(world):
    number = await eligible(world, kinds=("laptop", "tablet"))
    assert (await lend(world.desk_aub, number, await available())).status_code == 201
    tablet = await available("tablet")
    response = await form_post(world.desk_aub, "/lend", [
        ("person", number), ("tag", tablet), ("action", "confirm")])
    assert response.status_code == 409
    body = text_of(response)
    assert 'class="reasons"' in body and "limite" in body
    assert f'name="tag" value="{tablet}"' in body


async def test_a_scan_of_an_unknown_or_lent_item_says_so_and_keeps_the_list(world):
    number = await eligible(world)
    tag = await available()
    unknown = await form_post(world.desk_aub, "/lend", [
        ("person", number), ("tag", tag), ("action", "add"), ("scan", "ESN-99999-9")])
    assert unknown.status_code == 404
    assert 'value="ESN-99999-9"' in unknown.text and f'name="tag" value="{tag}"' in unknown.text
    assert 'data-outcome="bad"' in unknown.text
    other = await eligible(world, first_name="Jean", phone="06 11 22 33 44")
    await lend(world.desk_aub, other, tag)
    lent = await form_post(world.desk_aub, "/lend", [
        ("person", number), ("action", "add"), ("scan", tag)])
    assert lent.status_code == 409 and "ne peut pas être prêté" in text_of(lent)


async def test_a_card_code_is_shown_once_with_a_copy_now_notice(world):
    number = await eligible(world, kinds=("sim",))
    card = await available("sim", operator="Orange", price_cents=1000,
                           voucher_code="12345678901234")
    done = await form_post(world.desk_aub, "/lend", [
        ("person", number), ("tag", card), ("action", "confirm")])
    assert done.status_code == 200, done.text
    body = text_of(done)
    assert 'data-testid="voucher-code">12345678901234<' in body
    assert "À recopier maintenant" in body
    item = await page(world.desk_aub, f"/i/{card}")
    assert "12345678901234" not in item.text


async def test_the_return_page_takes_a_device_back_and_offers_repair(world):
    number = await eligible(world)
    tag = await available()
    await lend(world.desk_aub, number, tag, accessories=["chargeur", "housse"])
    form = await page(world.desk_aub, "/return", tag=tag)
    assert form.status_code == 200
    assert 'name="back" value="chargeur" checked' in form.text
    done = await form_post(world.desk_aub, "/return", [
        ("tag", tag), ("back", "chargeur"), ("condition", "rayure")])
    assert done.status_code == 200, done.text
    body = text_of(done)
    assert 'data-testid="return-result"' in body and "à effacer" in body
    assert "housse" in body and "Accessoires manquants" in body
    assert "Envoyer en réparation" in body
    repaired = await form_post(world.desk_aub, "/return/repair", [
        ("tag", tag), ("problem", "Écran fissuré")])
    assert repaired.status_code == 200, repaired.text
    assert (await items.get_item(tag))["state"] == "in_repair"
    again = await page(world.desk_aub, "/return", tag=tag)
    assert again.status_code == 409 and "n’est pas en prêt" in text_of(again)


async def test_a_repair_without_a_problem_is_refused_with_422(world):
    number = await eligible(world)
    tag = await available()
    await lend(world.desk_aub, number, tag)
    await form_post(world.desk_aub, "/return", [("tag", tag)])
    refused = await form_post(world.desk_aub, "/return/repair", [("tag", tag), ("problem", " ")])
    assert refused.status_code == 422
    assert (await items.get_item(tag))["state"] == "returned"


async def test_the_item_page_shows_the_holder_only_to_those_who_may_see_them(world):
    number = await eligible(world)
    tag = await available()
    loan = (await lend(world.desk_aub, number, tag)).json()
    desk = await page(world.desk_aub, f"/i/{tag}")
    assert loan["reference"] in desk.text and number in desk.text
    assert f"/return?tag={tag}" in desk.text and "/lend?tag=" not in desk.text
    technician = await page(world.technician, f"/i/{tag}")
    assert loan["reference"] in technician.text and number not in technician.text
    other_site = await page(world.desk_bac, f"/i/{tag}")
    assert number not in other_site.text, "a person followed at another site"


async def test_social_workers_cannot_open_the_desk_pages_and_forms_need_the_csrf_token(world):
    assert (await page(world.sw_a, "/lend")).status_code == 403
    assert (await page(world.sw_a, "/return")).status_code == 403
    assert (await page(world.technician, "/lend")).status_code == 403
    assert (await page(world.technician, "/return")).status_code == 200
    forged = await world.desk_aub.http.post("/lend", data={"action": "add", "scan": "x"},
                                            headers={"accept": "text/html"})
    assert forged.status_code == 403


async def test_the_item_history_reads_the_time_on_the_association_s_clock(world):
    tag = await available()
    item_id = (await Item.select(Item.id).where(Item.tag == tag).first())["id"]
    # A change stored at 23:30 UTC on 30 June happened at 01:30 on 1 July in Bordeaux.
    await ItemEvent.update({ItemEvent.at: datetime(2026, 6, 30, 23, 30, tzinfo=UTC)}).where(
        ItemEvent.item == item_id)
    shown = await page(world.desk_aub, f"/i/{tag}")
    assert shown.status_code == 200
    assert "01/07/2026 01:30" in shown.text and "30/06/2026 23:30" not in shown.text


async def test_opening_the_lend_form_prepares_the_pdf_renderer_for_the_agreement(
        world, monkeypatch):
    from inventory.web import desk as desk_pages

    prepared = []
    monkeypatch.setattr(desk_pages, "prepare_in_background", lambda: prepared.append(1))
    assert (await page(world.desk_aub, "/desk")).status_code == 200
    assert prepared == []  # the desk alone prints nothing
    assert (await page(world.desk_aub, "/lend")).status_code == 200
    assert prepared == [1]
