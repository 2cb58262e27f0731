"""The back office's items list, on both databases: filters give the right rows, pages of
fifty, htmx fragments, the label link carrying the selection, permissions, escaping."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from urllib.parse import parse_qs, urlsplit

import pytest
from markupsafe import escape

from inventory.db.tables import Item
from inventory.domain.item_list import NOT_A_CHOICE
from inventory.i18n import gettext_for
from inventory.services import items as item_svc
from inventory.services.common import SYSTEM
from tests.factories import make_item
from tests.integration.people_world import build_world
from tests.integration.test_web_portal import send

FR = gettext_for("fr")
TAG_LINK = re.compile(r'data-testid="items-tag">([A-Z]+-\d+-\w)<')


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


def tags_on(html: str) -> list[str]:
    return TAG_LINK.findall(html)


async def stock() -> dict[str, str]:
    """A few items that differ in one field each; name -> tag."""
    made = {
        "laptop_aub": await make_item("laptop", "AUB", brand="Lenovo", model="ThinkPad T480",
                                      serial="PF-1A2B3C", cosmetic_grade="A",
                                      intake_batch="DON-2026-01"),
        "laptop_bac": await make_item("laptop", "BAC", brand="Dell", model="Latitude 5490",
                                      serial="DL_5490_77", cosmetic_grade="B",
                                      intake_batch="DON-2026-02"),
        "tablet": await make_item("tablet", "AUB", brand="Samsung", model="Galaxy Tab A",
                                  cosmetic_grade="B", intake_batch="DON-2026-01"),
        "sim": await make_item("sim", "AUB", model="Mobicarte", operator="Orange",
                               intake_batch="OP-2026-11"),
        "percent": await make_item("smartphone", "BAC", brand="Fairphone",
                                   model="100% reconditionné", cosmetic_grade="C"),
    }
    await item_svc.change_state(SYSTEM, made["tablet"]["tag"], "refurbishing")
    return {name: row["tag"] for name, row in made.items()}


@pytest.mark.parametrize(("query", "expected"), [
    ({"q": "thinkpad"}, {"laptop_aub"}),
    ({"q": "pf-1a2"}, {"laptop_aub"}),  # part of a serial, case ignored
    ({"q": "%"}, {"percent"}),  # a LIKE wildcard typed is a plain character
    ({"q": "_5490"}, {"laptop_bac"}),
    ({"family": "card"}, {"sim"}),
    ({"kind": "laptop"}, {"laptop_aub", "laptop_bac"}),
    ({"state": "refurbishing"}, {"tablet"}),
    ({"site": "BAC"}, {"laptop_bac", "percent"}),
    ({"intake_batch": "DON-2026-01"}, {"laptop_aub", "tablet"}),
    ({"grade": "B"}, {"laptop_bac", "tablet"}),
    ({"kind": "laptop", "site": "AUB", "grade": "A"}, {"laptop_aub"}),
    ({"kind": "laptop", "grade": "C"}, set()),
])
async def test_each_filter_gives_exactly_the_matching_items(world, query, expected):
    made = await stock()
    page = await world.coordinator.get("/admin/items", params=query)
    assert page.status_code == 200
    assert set(tags_on(page.text)) == {made[name] for name in expected}
    if not expected:
        assert FR("No item matches these filters.") in page.text


async def test_two_hundred_items_make_four_pages_of_fifty(world):
    for _n in range(200):
        await make_item("laptop", "AUB")
    seen: list[str] = []
    for number in (1, 2, 3, 4):
        page = await world.desk_aub.get("/admin/items", params={"page": number})
        tags = tags_on(page.text)
        assert len(tags) == 50
        seen += tags
        assert FR("Page {page} of {pages}").format(page=number, pages=4) in page.text
    assert len(set(seen)) == 200 and seen == sorted(seen)  # by tag, no row twice
    assert set(seen) == {r["tag"] for r in await Item.select(Item.tag)}
    last = await world.desk_aub.get("/admin/items", params={"page": 4})
    assert 'data-testid="pager-next"' not in last.text
    assert FR("Items {first} to {last} of {total}").format(first=151, last=200,
                                                           total=200) in last.text
    beyond = await world.desk_aub.get("/admin/items", params={"page": 99})
    assert tags_on(beyond.text) == seen[150:]  # beyond the end: the last page
    nonsense = await world.desk_aub.get("/admin/items", params={"page": "abc"})
    assert tags_on(nonsense.text) == seen[:50]


async def test_the_pager_keeps_the_filters_and_the_sort(world):
    for _n in range(60):
        await make_item("laptop", "BAC", intake_batch="LOT-7")
    await make_item("tablet", "BAC", intake_batch="LOT-7")
    page = await world.coordinator.get("/admin/items", params={
        "kind": "laptop", "intake_batch": "LOT-7", "sort": "-tag"})
    href = re.search(r'href="([^"]+)" rel="next"', page.text).group(1).replace("&amp;", "&")
    params = parse_qs(urlsplit(href).query)
    assert params == {"kind": ["laptop"], "intake_batch": ["LOT-7"], "sort": ["-tag"],
                      "page": ["2"]}
    second = await world.coordinator.get(href)
    first_tags, second_tags = tags_on(page.text), tags_on(second.text)
    assert len(first_tags) == 50 and len(second_tags) == 10
    assert first_tags + second_tags == sorted(first_tags + second_tags, reverse=True)


async def test_sorting_by_last_change_puts_the_latest_first(world):
    made = await stock()
    await item_svc.update_item(SYSTEM, made["sim"], {"notes": "vue au stock"})
    page = await world.coordinator.get("/admin/items", params={"sort": "-updated"})
    assert tags_on(page.text)[0] == made["sim"]
    oldest = await world.coordinator.get("/admin/items", params={"sort": "updated"})
    assert tags_on(oldest.text)[-1] == made["sim"]


async def test_htmx_gets_the_table_alone_with_pager_links_for_htmx(world):
    for _n in range(51):
        await make_item("laptop", "AUB")
    fragment = await world.coordinator.get("/admin/items", params={"kind": "laptop"},
                                           headers={"hx-request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="items-results"' in fragment.text
    assert 'hx-get="/admin/items?kind=laptop&amp;page=2"' in fragment.text
    assert 'hx-target="#items-results"' in fragment.text
    restored = await world.coordinator.get("/admin/items", headers={
        "hx-request": "true", "hx-history-restore-request": "true"})
    assert "<html" in restored.text  # a page restored from history is a whole page


async def test_each_row_links_to_the_item_page(world):
    made = await stock()
    page = await world.technician.get("/admin/items", params={"q": "thinkpad"})
    assert f'href="/i/{made["laptop_aub"]}"' in page.text
    assert (await world.technician.get(f'/i/{made["laptop_aub"]}')).status_code == 200


async def test_the_label_link_carries_the_selection_to_the_label_page(world):
    await stock()
    page = await world.desk_aub.get("/admin/items", params={
        "kind": "laptop", "grade": "A", "sort": "-updated"})
    href = re.search(r'href="([^"]+)" data-testid="items-print-labels"', page.text).group(1)
    href = href.replace("&amp;", "&")
    assert parse_qs(urlsplit(href).query) == {"kind": ["laptop"], "grade": ["A"]}
    labels = await world.desk_aub.get(href)
    assert labels.status_code == 200
    assert 'name="kind" value="laptop"' in labels.text
    assert 'name="grade" value="A"' in labels.text
    assert FR("{count} item(s) selected on the items list.").format(count=1) in labels.text


async def test_without_filters_there_is_no_label_link(world):
    await stock()
    page = await world.coordinator.get("/admin/items")
    assert 'data-testid="items-print-labels"' not in page.text


async def test_an_unknown_filter_value_is_shown_next_to_its_field(world):
    await stock()
    page = await world.coordinator.get("/admin/items", params={"state": "exploded",
                                                               "kind": "laptop"})
    assert page.status_code == 422
    assert 'id="err-state"' in page.text and FR(NOT_A_CHOICE) in page.text
    assert len(tags_on(page.text)) == 2  # the other filters still apply


async def test_only_staff_who_read_items_see_the_list(world):
    for name in ("admin", "coordinator", "desk_aub", "technician"):
        assert (await getattr(world, name).get("/admin/items")).status_code == 200
    assert (await world.sw_a.get("/admin/items")).status_code == 403


async def test_the_front_desk_reaches_the_list_from_the_header(world):
    desk = await world.desk_aub.get("/desk")
    assert 'href="/admin/items"' in desk.text


async def test_a_model_with_markup_is_shown_escaped(world):
    payload = "<img src=x onerror=alert(1)>"
    made = await make_item("laptop", "AUB", model=payload, brand='"><script>alert(2)</script>')
    page = await world.coordinator.get("/admin/items")
    assert made["tag"] in tags_on(page.text)
    assert payload not in page.text and "<script>alert(2)" not in page.text
    assert str(escape(payload)) in page.text


async def test_printing_the_carried_selection_starts_a_job_for_exactly_those_items(world):
    await stock()
    response = await send(world.desk_aub, "/labels", {
        "tags": "", "intake_batch": "", "layout": "a4-3x7", "start_at": "1",
        "kind": "laptop", "grade": "B", "q": "dell"})
    assert response.status_code == 303
    job_id = parse_qs(urlsplit(response.headers["location"]).query)["job"][0]
    job = await world.desk_aub.get(f"/api/v1/labels/jobs/{job_id}")
    assert job.status_code == 200 and job.json()["total"] == 1
    nothing = await send(world.desk_aub, "/labels", {"layout": "a4-3x7", "kind": "laptop",
                                                     "grade": "D"})
    assert nothing.status_code == 404
    assert 'name="grade" value="D"' in nothing.text  # the selection is kept on the form


async def test_the_preview_shows_the_first_label_and_where_the_labels_fall_on_the_sheet(world):
    made = await stock()
    tags = f"{made['tablet']}, {made['laptop_aub']}"
    response = await send(world.desk_aub, "/labels", {
        "tags": tags, "layout": "a4-3x7", "start_at": "5", "action": "preview"})
    assert response.status_code == 200, response.text
    html = response.text
    assert 'data-testid="labels-preview"' in html and tags in html, "the form is kept"
    cells = re.findall(r'data-cell="(\w+)"', html)
    assert len(cells) == 21
    assert cells[:4] == ["used"] * 4 and cells[4:6] == ["printed"] * 2
    assert cells[6:] == ["empty"] * 15
    first = re.search(r'src="(/api/v1/labels/[^"]+\.svg\?layout=a4-3x7)"', html)
    assert first and made["tablet"] in first[1], "the first label is the first tag given"
    svg = await world.desk_aub.get(first[1])
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert "location" not in response.headers, "a preview starts no print job"


async def test_a_preview_refuses_a_position_the_stock_does_not_have(world):
    made = await stock()
    roll = await send(world.desk_aub, "/labels", {
        "tags": made["tablet"], "layout": "roll-62x29", "start_at": "3", "action": "preview"})
    assert roll.status_code == 422 and 'data-testid="labels-error"' in roll.text
    unknown = await send(world.desk_aub, "/labels", {
        "tags": "ESN-99999-9", "layout": "a4-3x7", "start_at": "1", "action": "preview"})
    assert unknown.status_code == 404 and "ESN-99999-9" in unknown.text
    on_roll = await send(world.desk_aub, "/labels", {
        "tags": made["tablet"], "layout": "roll-62x29", "start_at": "1", "action": "preview"})
    assert on_roll.status_code == 200 and 'data-testid="labels-sheet-map"' not in on_roll.text
