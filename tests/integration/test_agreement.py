"""The loan agreement printed from a real loan: one per loan, its version and hash kept,
reprints byte-identical, on both databases."""

from __future__ import annotations

import hashlib
from contextlib import AsyncExitStack

import fitz  # PyMuPDF
import pytest

from inventory.db.tables import Loan
from inventory.documents.model import AGREEMENT_TEMPLATE_VERSION
from tests.integration.people_world import build_world
from tests.integration.test_loans_api import available, eligible, lend


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


def pdf_text(data: bytes) -> str:
    with fitz.open(stream=data, filetype="pdf") as document:
        return " ".join(page.get_text() for page in document)


async def test_one_agreement_per_loan_with_every_item_and_its_hash_kept(world):
    number = await eligible(world, kinds=("laptop", "sim"))
    laptop = await available(brand="Lenovo", model="ThinkPad T480", serial="PF1ABCD")
    card = await available("sim", operator="Orange", price_cents=1000, iccid="8933150319091234567")
    loan = (await lend(world.desk_aub, number, laptop, card, accessories=[])).json()
    response = await world.desk_aub.get(f"/api/v1/loans/{loan['reference']}/agreement.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    text = pdf_text(pdf)
    for expected in (loan["reference"], number, "Élodie", laptop, "PF1ABCD", card, "Orange"):
        assert expected in text, expected
    digest = hashlib.sha256(pdf).hexdigest()
    assert response.headers["x-content-sha256"] == digest
    stored = await Loan.select(Loan.agreement_version, Loan.agreement_sha256).where(
        Loan.reference == loan["reference"]).first()
    assert stored == {"agreement_version": AGREEMENT_TEMPLATE_VERSION,
                      "agreement_sha256": digest}
    again = await world.coordinator.get(f"/api/v1/loans/{loan['reference']}/agreement.pdf")
    assert again.content == pdf, "a reprint is byte-identical"


async def test_names_that_look_like_markup_print_literally(world):
    number = await eligible(world, last_name="<img src=file:///etc/passwd>{{7*7}}")
    loan = (await lend(world.desk_aub, number, await available())).json()
    pdf = (await world.desk_aub.get(f"/api/v1/loans/{loan['reference']}/agreement.pdf")).content
    text = pdf_text(pdf)
    assert "{{7*7}}" in text and "49" not in text.split("{{7*7}}")[0][-3:]
    assert "root:" not in text


async def test_a_card_only_loan_has_no_agreement_and_strangers_see_none(world):
    number = await eligible(world, kinds=("sim",))
    loan = (await lend(world.desk_aub, number, await available("sim"))).json()
    response = await world.desk_aub.get(f"/api/v1/loans/{loan['reference']}/agreement.pdf")
    assert response.status_code == 422
    assert "fiche de remise" in response.json()["detail"]
    stranger = await world.sw_b.get(f"/api/v1/loans/{loan['reference']}/agreement.pdf")
    assert stranger.status_code == 404


async def test_a_reprint_that_would_differ_is_refused(world):
    number = await eligible(world)
    loan = (await lend(world.desk_aub, number, await available())).json()
    url = f"/api/v1/loans/{loan['reference']}/agreement.pdf"
    assert (await world.desk_aub.get(url)).status_code == 200
    await Loan.update({Loan.agreement_sha256: "0" * 64}).where(
        Loan.reference == loan["reference"])
    refused = await world.desk_aub.get(url)
    assert refused.status_code == 409
    assert "différ" in refused.json()["detail"]


async def test_a_return_receipt_lists_what_came_back_and_what_is_missing(world):
    number = await eligible(world)
    tag = await available()
    loan = (await lend(world.desk_aub, number, tag, accessories=["chargeur", "housse"])).json()
    url = f"/api/v1/loans/{loan['reference']}/return-receipt.pdf"
    assert (await world.desk_aub.get(url)).status_code == 409  # nothing given back yet
    await world.desk_aub.post("/api/v1/returns", {"tag": tag, "accessories_back": ["chargeur"],
                                                  "condition": "Bon état"})
    response = await world.desk_aub.get(url)
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    for expected in (loan["reference"], tag, "Bon état", "housse"):
        assert expected in text, expected
    assert (await world.desk_aub.get(url)).content == response.content


async def test_a_card_slip_prints_the_code_only_when_asked_and_logs_it(world):
    from inventory.db.tables import ItemEvent

    number = await eligible(world, kinds=("sim",))
    card = await available("sim", operator="Orange", phone_number="0712345678",
                           data_allowance_mb=20000, voucher_code="55556666777788")
    loan = (await lend(world.desk_aub, number, card)).json()
    url = f"/api/v1/loans/{loan['reference']}/cards/{card}/slip.pdf"
    plain = await world.desk_aub.get(url)
    assert plain.status_code == 200, plain.text
    text = pdf_text(plain.content)
    assert "Orange" in text and "07 12 34 56 78" in text and "20 Go" in text
    assert "55556666777788" not in text
    before = await ItemEvent.count().where(ItemEvent.action == "voucher_revealed")
    coded = await world.desk_aub.get(url + "?with_code=true")
    assert "55556666777788" in pdf_text(coded.content)
    assert await ItemEvent.count().where(ItemEvent.action == "voucher_revealed") == before + 1
    assert (await world.sw_a.get(url + "?with_code=true")).status_code == 409
    assert (await world.desk_aub.get(
        f"/api/v1/loans/{loan['reference']}/cards/ESN-99999-9/slip.pdf")).status_code == 404
