"""Connection cards after intake, over the API and the command line, on both databases: an
operator's batch all or nothing, activation, top-ups, the daily expiry, a hotspot's SIM."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest
from stdnum import luhn

from inventory.csvio import export_items
from inventory.db.tables import CardTopUp, CardVoucher, Item, ItemEvent, Loan, LoanLine
from inventory.services import cards, items
from inventory.services.common import SYSTEM, today
from tests.conftest import ROOT
from tests.factories import make_item
from tests.integration.people_world import build_world
from tests.integration.test_loans_api import available, eligible, lend

HEADER = ("operator,product,iccid,phone_number,data_allowance_mb,price_eur,validity_days,"
          "expires_on,voucher_code\n")


def iccid(n: int) -> str:
    body = f"89331503190000{n:05d}"
    return body + luhn.calc_check_digit(body)


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def receive(caller, text: str, batch: str = "OP-2026-12", site: str = "AUB"):
    return await caller.post("/api/v1/cards/batches",
                             {"site_code": site, "intake_batch": batch, "csv": text})


async def handed_card(world, number: str, **fields) -> str:
    """A card handed over to the person (state issued) through a real check-out."""
    fields.setdefault("operator", "Orange")
    fields.setdefault("price_cents", 500)
    card = await available("sim", **fields)
    response = await lend(world.desk_aub, number, card)
    assert response.status_code == 201, response.text
    return card


async def test_a_batch_is_received_in_stock_and_its_vouchers_never_come_back(world):
    text = HEADER + (f'Orange,Mobicarte 20 Go,{iccid(1)},06 12 34 56 78,20000,"15,00",30,,'
                     f"VOUCH-1111-AAAA\n"
                     f"SFR,La Carte,{iccid(2)},,,9,,2027-06-30,VOUCH-2222-BBBB\n")
    response = await receive(world.technician, text)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["count"] == 2 and body["intake_batch"] == "OP-2026-12"
    first = await items.get_item(body["tags"][0])
    assert (first["state"], first["kind"], first["price_cents"], first["model"]) == (
        "in_stock", "sim", 1500, "Mobicarte 20 Go")
    assert first["phone_number"] == "+33612345678" and first["intake_batch"] == "OP-2026-12"
    assert (await items.get_item(body["tags"][1]))["price_cents"] == 900
    assert await CardVoucher.count() == 2
    reads = [response.text,
             (await world.technician.get("/api/v1/items/?family=card")).text,
             (await world.technician.get(f"/api/v1/items/{body['tags'][0]}")).text,
             (await world.technician.get(f"/api/v1/items/{body['tags'][0]}/history")).text]
    out = io.StringIO()
    await export_items(out)
    for text_seen in reads + [out.getvalue()]:
        assert "VOUCH-" not in text_seen
    assert (await receive(world.desk_aub, text, batch="OP-2")).status_code == 403


async def test_a_semicolon_file_from_a_french_spreadsheet_is_read(world):
    text = (f"operator;iccid;price_eur;voucher_code\nOrange;{iccid(3)};15,00;CODE-0003\n")
    response = await receive(world.coordinator, text)
    assert response.status_code == 201, response.text
    assert (await items.get_item(response.json()["tags"][0]))["price_cents"] == 1500


async def test_bad_lines_are_reported_by_number_and_nothing_is_received(world):
    await make_item("sim", operator="Bouygues", iccid=iccid(9))
    wrong_digit = iccid(4)[:-1] + str((int(iccid(4)[-1]) + 1) % 10)
    text = HEADER + (f'Orange,A,{iccid(5)},,,"15,00",30,,SECRET-0005\n'
                     f'Orange,A,{wrong_digit},,,"15,00",30,,SECRET-0004\n'
                     f'Orange,A,{iccid(5)},,,"15,00",30,,SECRET-0055\n'
                     f'Orange,A,{iccid(9)},,,"15,00",30,,SECRET-0009\n'
                     f'Orange,A,{iccid(6)},,,"quinze",30,,SECRET-0006\n'
                     f'Orange,A,{iccid(7)},,,"15,00",30,,SEC\n'
                     f'Orange,A,{iccid(8)},,"15,00",30,,SECRET-0008\n')
    response = await receive(world.admin, text)
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == "Rien n’a été importé : 6 erreur(s)."
    lines = [e["line"] for e in response.json()["extra"]]
    assert lines == [3, 4, 5, 6, 7, 8]
    assert "SECRET" not in response.text and "SEC\"" not in response.text
    assert await Item.count() == 1 and await CardVoucher.count() == 0


async def test_a_header_without_the_needed_columns_is_refused_on_line_one(world):
    response = await receive(world.admin, "operator,iccid\nOrange,1\n")
    assert response.status_code == 422
    assert [e["line"] for e in response.json()["extra"]] == [1]
    unknown_site = await receive(world.admin, HEADER, site="NOPE")
    assert unknown_site.status_code in (404, 422)


async def test_activation_records_the_date_and_computes_the_expiry(world):
    number = await eligible(world, kinds=("sim",))
    card = await handed_card(world, number, validity_days=30)
    on = today() - timedelta(days=2)
    response = await world.desk_aub.post(f"/api/v1/cards/{card}/activate",
                                         {"on": on.isoformat()})
    assert response.status_code == 200, response.text
    read = response.json()
    assert read["state"] == "activated" and read["activated_on"] == on.isoformat()
    assert read["expires_on"] == (on + timedelta(days=30)).isoformat()
    again = await world.desk_aub.post(f"/api/v1/cards/{card}/activate", {})
    assert again.status_code == 409 and "activée" in again.json()["detail"]
    future = await world.desk_aub.post(f"/api/v1/cards/{card}/activate",
                                       {"on": (today() + timedelta(days=1)).isoformat()})
    assert future.status_code == 422


async def test_a_device_cannot_be_activated_as_a_card(world):
    tag = (await make_item("laptop"))["tag"]
    response = await world.desk_aub.post(f"/api/v1/cards/{tag}/activate", {})
    assert response.status_code == 422


async def test_a_top_up_brings_a_depleted_card_back_to_life(world):
    number = await eligible(world, kinds=("sim",))
    card = await handed_card(world, number, validity_days=30)
    await world.desk_aub.post(f"/api/v1/cards/{card}/activate", {})
    depleted = await world.desk_aub.post(f"/api/v1/cards/{card}/depleted", {"note": "0 Go"})
    assert depleted.status_code == 200 and depleted.json()["state"] == "depleted"
    topped = await world.desk_aub.post(f"/api/v1/cards/{card}/top-ups",
                                       {"amount_cents": 1000, "data_mb": 10000})
    assert topped.status_code == 201, topped.text
    assert topped.json()["state"] == "activated"
    rows = await CardTopUp.select()
    assert [(r["amount_cents"], r["data_mb"], r["topped_up_on"]) for r in rows] == [
        (1000, 10000, today())]
    assert await ItemEvent.count().where(ItemEvent.action == "topped_up") == 1
    refused = await world.desk_aub.post(f"/api/v1/cards/{card}/top-ups", {"amount_cents": 0})
    assert refused.status_code == 422


async def test_expiry_runs_twice_safely_and_frees_the_persons_card_limit(world):
    number = await eligible(world, kinds=("sim",))
    card = await handed_card(world, number, validity_days=30)
    await world.desk_aub.post(f"/api/v1/cards/{card}/activate",
                              {"on": (today() - timedelta(days=40)).isoformat()})
    stale = await available("sim", operator="Free", price_cents=500,
                            expires_on=today() - timedelta(days=1))
    fresh = await available("sim", operator="Free", price_cents=500, expires_on=today())
    second = await available("sim", operator="SFR", price_cents=500)
    blocked = await lend(world.desk_aub, number, second)
    assert blocked.status_code == 409 and "limite" in blocked.json()["detail"]
    assert await cards.expire_cards(SYSTEM) == 2
    assert await cards.expire_cards(SYSTEM) == 0
    assert (await items.get_item(card))["state"] == "expired"
    assert (await items.get_item(stale))["state"] == "expired"
    assert (await items.get_item(fresh))["state"] == "in_stock"
    line = await LoanLine.select().where(LoanLine.item.tag == card).first()
    assert line["outcome"] == "expired" and line["closed_at"] is not None
    assert await Loan.count().where(Loan.status == "closed") == 1
    assert await ItemEvent.count().where(ItemEvent.to_state == "expired") == 2
    assert (await lend(world.desk_aub, number, second)).status_code == 201


async def test_a_hotspot_brings_its_card_back_to_stock_when_returned(world):
    number = await eligible(world, kinds=("hotspot", "sim"))
    hotspot = await available("hotspot")
    card = await available("sim", operator="Orange", price_cents=500, validity_days=30)
    loan = await lend(world.desk_aub, number, hotspot, card)
    assert loan.status_code == 201, loan.text
    await world.desk_aub.post(f"/api/v1/cards/{card}/activate", {})
    back = await world.desk_aub.post("/api/v1/returns", {"tag": hotspot})
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "closed"
    assert sorted(line["outcome"] for line in back.json()["lines"]) == ["returned", "returned"]
    assert (await items.get_item(card))["state"] == "in_stock"
    assert (await items.get_item(hotspot))["state"] == "returned"


async def test_a_laptop_return_leaves_the_card_of_the_same_loan_with_the_person(world):
    number = await eligible(world, kinds=("laptop", "sim"))
    laptop, card = await available(), await available("sim", operator="Orange", price_cents=1)
    assert (await lend(world.desk_aub, number, laptop, card)).status_code == 201
    back = await world.desk_aub.post("/api/v1/returns", {"tag": laptop})
    assert back.status_code == 200 and back.json()["status"] == "open"
    assert (await items.get_item(card))["state"] == "issued"


def test_the_cli_receives_a_batch_all_or_nothing_and_expires_cards(tmp_path, sqlite_template):
    path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, path)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "inventory", *args], env=env, cwd=ROOT, capture_output=True,
        text=True, timeout=120)
    good = tmp_path / "cards.csv"
    good.write_text(HEADER + f'Orange,A,{iccid(1)},,,"15,00",30,,SECRET-1\n', encoding="utf-8")
    no_site = run("import-cards", str(good), "--site", "AUB", "--batch", "OP-1")
    assert no_site.returncode != 0 and "AUB" in no_site.stderr
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO site (code, name, address, active) VALUES ('AUB', 'A', '', 1)")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Orange,A,123,,,1,,,SECRET-2\n", encoding="utf-8")
    refused = run("import-cards", str(bad), "--site", "AUB", "--batch", "OP-1")
    assert refused.returncode != 0 and "ligne 2" in refused.stderr
    received = run("import-cards", str(good), "--site", "AUB", "--batch", "OP-1")
    assert received.returncode == 0, received.stderr
    assert "1 carte(s) reçue(s)" in received.stdout
    assert "SECRET" not in refused.stderr + refused.stdout + received.stdout + received.stderr
    for _ in range(2):
        expired = run("expire-cards")
        assert expired.returncode == 0 and "0 carte(s) expirée(s)" in expired.stdout
