"""Printing labels through the API, on SQLite and PostgreSQL: what comes out scans."""

from __future__ import annotations

from inventory.api import labels as labels_api
from inventory.domain.tags import encode
from labels import LAYOUTS
from tests.factories import make_item, make_site, make_user, sign_in, staff_client
from tests.unit.labels_scan import page_text, rasterise_svg, read_labels, read_pixmap

SHEET = "/api/v1/labels/sheet.pdf"


def url_of(tag: str) -> str:
    return f"http://127.0.0.1:8000/i/{tag}"


def qr_texts(pdf: bytes, layout: str = "a4-3x7") -> dict[int, list[str]]:
    """Page 1 rasterised at 300 dpi: the QR texts read in each occupied position."""
    page = read_labels(pdf, LAYOUTS[layout], dpi=300)[0]
    return {position: [r.text for r in reads if r.format.replace(" ", "") == "QRCode"]
            for position, reads in page.items() if reads}


async def test_a_sheet_for_three_tags_scans_to_the_items_urls_in_the_order_given(client):
    await staff_client(client, "front_desk")
    tags = [(await make_item(brand="Lenovo", model="ThinkPad T480"))["tag"] for _ in range(3)]
    chosen = [tags[2], tags[0], tags[1]]
    response = await client.get(SHEET, params={"tags": ",".join(chosen).lower()})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert qr_texts(response.content) == {1: [url_of(chosen[0])], 2: [url_of(chosen[1])],
                                          3: [url_of(chosen[2])]}
    text = page_text(response.content)[0]
    for printed in ("Ordinateur portable", "Lenovo ThinkPad T480", "Aubiers",
                    "Espace de solidarité numérique", chosen[0]):
        assert printed in text


async def test_a_sheet_by_intake_batch_holds_only_that_batch(client):
    await staff_client(client, "front_desk")
    batch = [(await make_item(intake_batch="DON-2026-03"))["tag"] for _ in range(2)]
    await make_item(intake_batch="DON-2026-04")
    response = await client.get(SHEET, params={"intake_batch": "DON-2026-03"})
    assert response.status_code == 200, response.text
    assert qr_texts(response.content) == {1: [url_of(batch[0])], 2: [url_of(batch[1])]}


async def test_start_at_leaves_the_used_positions_of_a_half_used_sheet_empty(client):
    await staff_client(client, "front_desk")
    tag = (await make_item())["tag"]
    response = await client.get(SHEET, params={"tags": tag, "start_at": 5, "layout": "a4-2x7"})
    assert response.status_code == 200, response.text
    assert qr_texts(response.content, "a4-2x7") == {5: [url_of(tag)]}


async def test_an_unknown_layout_or_position_is_a_422_in_french(client):
    await staff_client(client, "front_desk")
    tag = (await make_item())["tag"]
    layout = await client.get(SHEET, params={"tags": tag, "layout": "a4-9x9"})
    assert layout.status_code == 422
    assert "Format d'étiquettes inconnu : « a4-9x9 »" in layout.json()["detail"]
    position = await client.get(SHEET, params={"tags": tag, "start_at": 22})
    assert position.status_code == 422
    assert "La position 22 n'existe pas" in position.json()["detail"]


async def test_a_user_who_chose_english_reads_why_labels_are_refused_in_english(client):
    await make_site()
    await make_user("front_desk", site_code="AUB", locale="en")
    await sign_in(client, "front_desk")
    tag = (await make_item())["tag"]
    english = {"accept-language": "en"}
    layout = await client.get(SHEET, params={"tags": tag, "layout": "a4-9x9"}, headers=english)
    assert layout.status_code == 422
    assert layout.json()["detail"] == (
        "These labels cannot be printed: Unknown label layout: “a4-9x9” (known: a4-3x7, "
        "a4-2x7, a4-5x13, roll-62x29, roll-57x32, roll-50x25).")
    zpl = await client.get("/api/v1/labels/zpl", params={"tags": tag, "layout": "a4-3x7"},
                           headers=english)
    assert zpl.status_code == 422
    assert zpl.json()["detail"] == (
        "These labels cannot be printed: ZPL prints on rolls only: choose a “roll” layout.")


async def test_zpl_for_a_sheet_layout_is_a_422_in_french(client):
    await staff_client(client, "front_desk")
    tag = (await make_item())["tag"]
    response = await client.get("/api/v1/labels/zpl", params={"tags": tag, "layout": "a4-3x7"})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Impossible d’imprimer ces étiquettes : Le ZPL s'imprime sur rouleau : choisissez un "
        "format « rouleau ».")


async def test_a_selection_matching_nothing_is_a_404_in_french(client):
    await staff_client(client, "front_desk")
    await make_item(intake_batch="DON-2026-03")
    nothing = await client.get(SHEET, params={"intake_batch": "DON-1999-01"})
    assert nothing.status_code == 404
    assert nothing.json()["detail"] == "Aucun article ne correspond à cette sélection."
    unknown = encode("ESN", 999)
    missing = await client.get(SHEET, params={"tags": unknown})
    assert missing.status_code == 404
    assert unknown in missing.json()["detail"]


async def test_a_social_worker_may_not_print_labels(client):
    await staff_client(client, "social_worker")
    response = await client.get(SHEET, params={"intake_batch": "DON-2026-03"})
    assert response.status_code == 403


async def test_more_than_5000_labels_in_one_request_are_refused(client, monkeypatch):
    await staff_client(client, "front_desk")
    # Written short and with bare commas: httpx refuses a query string over 64 KiB.
    tags = ",".join(encode("ESN", number).replace("-", "") for number in range(1, 5002))
    by_tags = await client.get(f"{SHEET}?tags={tags}")
    assert by_tags.status_code == 422
    assert "Au plus 5000 étiquettes par demande" in by_tags.json()["detail"]
    monkeypatch.setattr(labels_api, "MAX_LABELS", 2)
    for _ in range(3):
        await make_item(intake_batch="DON-2026-03")
    by_batch = await client.get(SHEET, params={"intake_batch": "DON-2026-03"})
    assert by_batch.status_code == 422
    assert "cette sélection en compte 3" in by_batch.json()["detail"]


async def test_one_label_reprints_as_svg_and_zpl(client):
    await staff_client(client, "front_desk")
    tag = (await make_item())["tag"]
    svg = await client.get(f"/api/v1/labels/{tag}.svg")
    assert svg.status_code == 200, svg.text
    assert svg.headers["content-type"].startswith("image/svg+xml")
    reads = read_pixmap(rasterise_svg(svg.text))
    assert sorted(r.text for r in reads) == sorted([url_of(tag), tag])
    zpl = await client.get("/api/v1/labels/zpl", params={"tags": tag})
    assert zpl.status_code == 200, zpl.text
    assert zpl.headers["content-type"].startswith("text/plain")
    assert zpl.text.startswith("^XA") and url_of(tag) in zpl.text
