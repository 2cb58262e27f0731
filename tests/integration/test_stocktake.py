"""Stocktake over the API and the pages, on both databases: a count expects what sits on the
site's shelves, each scan is recorded once and says what it means, closing reports missing
and unexpected items without changing any item's state, and one count at a time per site."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest

from inventory.db.tables import ItemEvent, Stocktake, StocktakeScan
from inventory.domain.stocktake import OUTCOME_LABELS
from inventory.i18n import gettext_for
from inventory.services import items
from inventory.services.common import SYSTEM
from inventory.services.history import verify_table
from tests.factories import make_item
from tests.integration.people_world import build_world
from tests.integration.test_loans_api import available, eligible, lend
from tests.integration.test_web_portal import send

FR = gettext_for("fr")
API = "/api/v1/stocktakes"


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def lent(world) -> str:
    """A laptop of site AUB, lent to someone."""
    tag = await available()
    response = await lend(world.desk_aub, await eligible(world), tag)
    assert response.status_code == 201, response.text
    return tag


async def shelf(world) -> dict[str, str]:
    """Items of every kind of place: on AUB's shelves, at BAC, lent, retired."""
    tags = {"available": await available(), "received": (await make_item())["tag"],
            "card": (await make_item("sim"))["tag"], "at_bac": await available(site_code="BAC"),
            "lent": await lent(world)}
    retired = (await make_item())["tag"]
    await items.change_state(SYSTEM, retired, "retired")
    tags["retired"] = retired
    return tags


async def start(caller, site="AUB", **extra):
    response = await caller.post(f"{API}/", {"site_code": site, **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def scan(caller, count_id, code):
    return await caller.post(f"{API}/{count_id}/scans", {"code": code})


async def test_a_count_expects_only_the_items_on_the_sites_shelves(world):
    await shelf(world)
    count = await start(world.desk_aub, note="Inventaire de fin d'année")
    assert count["status"] == "open" and count["site_code"] == "AUB"
    # available, received, the card in stock (and the lent laptop, retired one and BAC's not).
    assert count["expected"] == 3 and count["found"] == 0 and count["missing"] == 3
    assert count["started_by"] and count["note"] == "Inventaire de fin d'année"


async def test_each_scan_says_what_it_means_and_an_item_is_counted_once(world, app):
    tags = await shelf(world)
    count = await start(world.desk_aub)
    found = await scan(world.desk_aub, count["id"], tags["available"].lower().replace("-", ""))
    assert found.status_code == 200, found.text
    assert found.json()["outcome"] == "found" and found.json()["count"]["found"] == 1
    url = f"{app.state.settings.base_url}/i/{tags['card']}"
    assert (await scan(world.technician, count["id"], url)).json()["outcome"] == "found"
    elsewhere = (await scan(world.desk_aub, count["id"], tags["at_bac"])).json()
    assert elsewhere["outcome"] == "other_site" and elsewhere["site_code"] == "BAC"
    assert "BAC" in elsewhere["label"]
    out = (await scan(world.desk_aub, count["id"], tags["lent"])).json()
    assert out["outcome"] == "not_in_stock" and out["state"] == "on_loan"
    assert FR("on loan") in out["label"]
    assert (await scan(world.desk_aub, count["id"], tags["retired"])).json()["state"] == "retired"
    again = (await scan(world.technician, count["id"], tags["available"])).json()
    assert again["outcome"] == "duplicate" and again["previous"]["outcome"] == "found"
    assert again["previous"]["scanned_by"] and again["label"] == FR(OUTCOME_LABELS["duplicate"])
    totals = again["count"]
    assert (totals["expected"], totals["found"], totals["missing"], totals["unexpected"]) == \
        (3, 2, 1, 3)
    assert await StocktakeScan.count() == 5


async def test_an_unknown_or_unreadable_code_is_refused_in_plain_french(world):
    count = await start(world.desk_aub)
    unknown = await scan(world.desk_aub, count["id"], "ESN-99999-9")
    garbage = await scan(world.desk_aub, count["id"], "bonjour !")
    empty = await scan(world.desk_aub, count["id"], "")
    nowhere = await scan(world.desk_aub, 424242, "ESN-99999-9")
    assert unknown.status_code == 404
    assert unknown.json()["detail"].startswith("Aucun article")
    assert garbage.status_code == 422 and garbage.json()["detail"]
    assert empty.status_code == 422
    assert nowhere.status_code == 404
    assert FR("No count with number {id}.").format(id=424242) == nowhere.json()["detail"]
    assert await StocktakeScan.count() == 0


async def test_two_volunteers_scanning_the_same_item_at_once_record_it_once(world):
    tag = await available()
    count = await start(world.desk_aub)
    callers = [world.desk_aub, world.technician, world.coordinator, world.desk_bac] * 3
    answers = await asyncio.gather(*(scan(c, count["id"], tag) for c in callers))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    outcomes = sorted(a.json()["outcome"] for a in answers)
    assert outcomes == ["duplicate"] * (len(callers) - 1) + ["found"]
    assert await StocktakeScan.count() == 1
    final = (await world.desk_aub.get(f"{API}/{count['id']}")).json()
    assert final["found"] == 1 and final["unexpected"] == 0


async def test_closing_reports_missing_unexpected_and_gone_items_without_changing_states(world):
    tags = await shelf(world)
    count = await start(world.desk_aub)
    for tag in (tags["available"], tags["at_bac"], tags["lent"]):
        assert (await scan(world.desk_aub, count["id"], tag)).status_code == 200
    # The card was retired during the count: not seen, but not missing either.
    await items.change_state(SYSTEM, tags["card"], "retired", reason="carte défectueuse")
    before = {t: (await items.get_item(t))["state"] for t in tags.values()}
    closed = await world.desk_aub.post(f"{API}/{count['id']}/close")
    assert closed.status_code == 200, closed.text
    report = closed.json()
    assert report["status"] == "closed" and report["closed_by"]
    assert (report["found"], report["missing"], report["left"], report["unexpected"]) == \
        (1, 1, 1, 2)
    assert {t: (await items.get_item(t))["state"] for t in tags.values()} == before

    async def line_tags(which):
        page = (await world.technician.get(f"{API}/{count['id']}/lines",
                                           params={"which": which})).json()
        return {line["tag"]: line for line in page["items"]}

    assert set(await line_tags("missing")) == {tags["received"]}
    assert set(await line_tags("found")) == {tags["available"]}
    left = (await line_tags("left"))[tags["card"]]
    assert left["state"] == "retired"
    unexpected = await line_tags("unexpected")
    assert unexpected[tags["at_bac"]]["site_code"] == "BAC"
    assert unexpected[tags["lent"]]["result"] == "not_in_stock"
    notes = await ItemEvent.select(ItemEvent.item.tag.as_alias("tag")).where(
        ItemEvent.action == "stocktake_missing")
    assert [n["tag"] for n in notes] == [tags["received"]]


async def test_closing_with_hundreds_missing_chains_one_entry_to_each_item_s_history(world):
    # More missing items than one insert batch holds, each with a history already.
    tags = [(await make_item())["tag"] for _ in range(430)]
    count = await start(world.desk_aub)
    await scan(world.desk_aub, count["id"], tags[0])
    closed = await world.desk_aub.post(f"{API}/{count['id']}/close")
    assert closed.status_code == 200, closed.text
    assert closed.json()["missing"] == 429
    notes = await ItemEvent.select(ItemEvent.item.tag.as_alias("tag")).where(
        ItemEvent.action == "stocktake_missing")
    assert sorted(n["tag"] for n in notes) == sorted(tags[1:])
    report = await verify_table("item_event")
    assert report.broken_chains == 0 and report.first_broken is None
    assert report.checked >= 2 * 429, "each missing item: its intake and the stocktake note"


async def test_an_item_lent_after_it_was_counted_stays_found(world):
    tag = await available()
    count = await start(world.desk_aub)
    await scan(world.desk_aub, count["id"], tag)
    response = await lend(world.desk_aub, await eligible(world), tag)
    assert response.status_code == 201
    report = (await world.coordinator.post(f"{API}/{count['id']}/close")).json()
    assert (report["found"], report["missing"], report["left"]) == (1, 0, 0)


async def test_one_count_at_a_time_per_site_even_when_two_start_at_once(world):
    first, second = await asyncio.gather(
        world.desk_aub.post(f"{API}/", {"site_code": "AUB"}),
        world.coordinator.post(f"{API}/", {"site_code": "AUB"}))
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [201, 409], (first.text, second.text)
    refused = first if first.status_code == 409 else second
    assert refused.json()["detail"] == FR(
        "A count is already in progress at site {site}: continue it, or close or cancel it "
        "first.").format(site="AUB")
    await start(world.desk_bac, "BAC")  # another site counts at the same time
    assert await Stocktake.count() == 2
    open_one = first if first.status_code == 201 else second
    assert (await world.desk_aub.post(f"{API}/{open_one.json()['id']}/cancel")).status_code \
        == 200
    await start(world.desk_aub)  # a new one, once the first is over


async def test_a_count_that_is_over_takes_no_more_scans_and_cannot_be_closed_again(world):
    tag = await available()
    count = await start(world.desk_aub)
    cancelled = await world.desk_aub.post(f"{API}/{count['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    for response in (await scan(world.desk_aub, count["id"], tag),
                     await world.desk_aub.post(f"{API}/{count['id']}/close"),
                     await world.desk_aub.post(f"{API}/{count['id']}/cancel")):
        assert response.status_code == 409
        assert response.json()["detail"] == FR(
            "This count is {status}: it can no longer change.").format(
                status=FR("cancelled, no report"))
    assert await ItemEvent.count().where(ItemEvent.action == "stocktake_missing") == 0


async def test_who_may_count_close_and_read(world):
    tag = await available()
    count = await start(world.desk_aub)
    for url in (f"{API}/", f"{API}/{count['id']}", f"{API}/{count['id']}/lines",
                "/stocktake", f"/stocktake/{count['id']}", f"/stocktake/{count['id']}/report",
                f"/stocktake/{count['id']}/report.csv"):
        assert (await world.sw_a.get(url)).status_code == 403, url
    for url, body in ((f"{API}/", {"site_code": "BAC"}),
                      (f"{API}/{count['id']}/scans", {"code": tag}),
                      (f"{API}/{count['id']}/close", None)):
        assert (await world.sw_a.post(url, body)).status_code == 403, url
    # A technician and a volunteer of another site help count, but do not close it.
    assert (await scan(world.technician, count["id"], tag)).status_code == 200
    assert (await world.technician.post(f"{API}/{count['id']}/close")).status_code == 403
    assert (await scan(world.desk_bac, count["id"], tag)).json()["outcome"] == "duplicate"
    other_site = await world.desk_bac.post(f"{API}/{count['id']}/close")
    assert other_site.status_code == 409
    assert (await world.desk_bac.post(f"{API}/", {"site_code": "AUB"})).status_code == 409
    listed = (await world.technician.get(f"{API}/", params={"site": "AUB"})).json()
    assert listed["total"] == 1 and listed["items"][0]["found"] == 1


async def test_the_counting_page_scans_with_htmx_and_closes_to_its_report(world):
    tags = await shelf(world)
    listing = await world.desk_aub.get("/stocktake")
    assert listing.status_code == 200 and 'data-testid="stocktake-start-form"' in listing.text
    started = await send(world.desk_aub, "/stocktake", {"site_code": "AUB"})
    assert started.status_code == 303, started.text
    page_url = started.headers["location"]
    page = await world.desk_aub.get(page_url)
    assert page.status_code == 200 and 'data-stocktake-scan=' in page.text
    assert page.headers["cache-control"] == "no-store"
    htmx = {"hx-request": "true"}
    fragment = await send(world.desk_aub, f"{page_url}/scan", {"code": tags["available"]},
                          **htmx)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'data-scan-outcome="ok"' in fragment.text and tags["available"] in fragment.text
    assert 'data-testid="count-found">1<' in fragment.text
    unknown = await send(world.desk_aub, f"{page_url}/scan", {"code": "ESN-99999-9"}, **htmx)
    assert unknown.status_code == 200 and 'data-scan-outcome="bad"' in unknown.text
    assert "Aucun article" in unknown.text
    whole = await send(world.desk_aub, f"{page_url}/scan", {"code": "ESN-99999-9"})
    assert whole.status_code == 404 and "<html" in whole.text and "Aucun article" in whole.text
    other = await send(world.desk_aub, f"{page_url}/scan", {"code": tags["at_bac"]}, **htmx)
    assert 'data-scan-outcome="bad"' in other.text and "BAC" in other.text
    closed = await send(world.desk_aub, f"{page_url}/close", {})
    assert closed.status_code == 303 and closed.headers["location"] == f"{page_url}/report"
    report = await world.desk_aub.get(f"{page_url}/report")
    assert report.status_code == 200
    assert tags["received"] in report.text and tags["card"] in report.text
    assert FR("Missing: expected here, not scanned") in report.text
    csv = await world.desk_aub.get(f"{page_url}/report.csv")
    assert csv.status_code == 200 and csv.headers["content-type"] == "text/csv; charset=utf-8"
    rows = csv.text.splitlines()
    assert rows[0].startswith("result,tag") and len(rows) == 1 + 4  # 1 found, 2 missing, 1 BAC
    assert (await world.desk_aub.get(page_url)).status_code == 303  # over: to the report


async def test_the_start_form_says_why_a_count_cannot_start(world):
    await start(world.desk_aub)
    again = await send(world.desk_aub, "/stocktake", {"site_code": "AUB"})
    assert again.status_code == 409
    assert 'data-testid="stocktake-error"' in again.text and "AUB" in again.text
    nowhere = await send(world.coordinator, "/stocktake", {"site_code": "ZZZ"})
    assert nowhere.status_code == 404 and "ZZZ" in nowhere.text


async def test_an_item_registered_here_during_the_count_is_noted_as_arrived(world):
    count = await start(world.desk_aub)
    newcomer = (await make_item())["tag"]
    answer = (await scan(world.desk_aub, count["id"], newcomer)).json()
    assert answer["outcome"] == "arrived"
    assert answer["label"] == FR("recorded here since the count started")
    report = (await world.desk_aub.post(f"{API}/{count['id']}/close")).json()
    assert (report["expected"], report["found"], report["unexpected"]) == (0, 0, 1)


async def test_the_pages_of_a_provisional_and_a_cancelled_count(world):
    tag = await available()
    count = await start(world.desk_aub)
    provisional = await world.technician.get(f"/stocktake/{count['id']}/report")
    assert provisional.status_code == 200 and tag in provisional.text
    assert FR("The count is still open: this report is provisional.") in provisional.text
    technician_page = await world.technician.get(f"/stocktake/{count['id']}")
    assert 'data-testid="stocktake-close"' not in technician_page.text  # helps, never closes
    cancelled = await send(world.desk_aub, f"/stocktake/{count['id']}/cancel", {})
    assert cancelled.status_code == 303
    page = await world.desk_aub.get(f"/stocktake/{count['id']}/report")
    assert page.status_code == 200 and FR("cancelled, no report") in page.text
    assert 'data-testid="stocktake-missing"' not in page.text
    managers = await world.coordinator.get("/stocktake", params={"site": "AUB", "page": 9})
    assert managers.status_code == 200 and '<select id="st-site"' in managers.text
    assert f"n° {count['id']}" in managers.text  # page 9 of 1: the last page, not an error
