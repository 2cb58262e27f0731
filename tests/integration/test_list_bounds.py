"""Every list is read one page at a time, on both databases: the JSON lists take ``page`` and
``per_page`` (at most 200), and the screens show fifty rows with a pager."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from inventory.domain.rulesets import default_text
from inventory.i18n import gettext_for
from inventory.services import items as item_svc
from inventory.services import learning
from inventory.services.common import SYSTEM
from tests.factories import make_item, make_org, make_site
from tests.integration.people_world import build_world
from tests.integration.test_loans_api import available, eligible, lend
from tests.integration.test_web_portal import send

FR = gettext_for("fr")


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def pages_of(caller, url: str, per_page: int, key=None) -> list[list]:
    """Every page of a JSON list, until a short one."""
    pages, page = [], 1
    while True:
        answer = await caller.get(url, params={"page": page, "per_page": per_page})
        assert answer.status_code == 200, answer.text
        rows = answer.json() if key is None else answer.json()[key]
        pages.append(rows)
        if len(rows) < per_page:
            return pages
        page += 1


async def test_sites_and_users_come_by_pages_and_a_page_has_at_most_200(world):
    for n in range(58):
        await make_site(f"S{n:02d}", f"Antenne {n}")
    default = await world.coordinator.get("/api/v1/sites")
    assert len(default.json()) == 50
    sites = await pages_of(world.coordinator, "/api/v1/sites", 25)
    assert [len(p) for p in sites] == [25, 25, 10]
    codes = [s["code"] for p in sites for s in p]
    assert codes == sorted(codes) and len(set(codes)) == 60
    assert (await world.coordinator.get("/api/v1/sites?per_page=201")).status_code == 422
    assert (await world.coordinator.get("/api/v1/sites?page=0")).status_code == 422
    users = await pages_of(world.coordinator, "/api/v1/users", 3)
    assert sum(len(p) for p in users) == 7 and "password_hash" not in str(users)


async def test_partner_organisations_come_by_pages(world):
    for n in range(5):
        await make_org(f"Structure {n}")
    orgs = await pages_of(world.sw_a, "/api/v1/partner-orgs", 3)
    assert [len(p) for p in orgs] == [3, 3, 1]


async def test_duplicate_groups_are_found_by_the_database_a_page_at_a_time(world):
    groups = {}
    for name in ("Aïcha", "Brigitte", "Chloé"):
        numbers = []
        for _twice in range(2):
            person = await world.person(world.coordinator, first_name=name,
                                        phone="06 11 22 33 44", confirm_duplicate=True,
                                        partner_org_id=world.org_a)
            numbers.append(person["number"])
        groups[name] = numbers
    await world.person(world.coordinator, first_name="Zineb", phone="06 99 88 77 66",
                       partner_org_id=world.org_a)
    found = await pages_of(world.coordinator, "/api/v1/beneficiaries/duplicates", 2)
    assert found == [[groups["Aïcha"], groups["Brigitte"]], [groups["Chloé"]]]


async def test_the_wipe_queue_pages_keep_the_order_of_return_not_of_intake(world):
    first, second, third = [await available("laptop") for _n in range(3)]
    for n, tag in enumerate((third, first, second)):  # brought back in this order
        number = await eligible(world, first_name=f"Personne{n}", phone=f"06 10 00 00 0{n}")
        assert (await lend(world.desk_aub, number, tag)).status_code == 201
        assert (await world.desk_aub.post("/api/v1/returns", {"tag": tag})).status_code == 200
    queue = await pages_of(world.technician, "/api/v1/wipes/queue", 2)
    assert [[e["tag"] for e in p] for p in queue] == [[third, first], [second]]
    page = await world.technician.get("/workshop", params={"wipes_page": 9})
    assert page.status_code == 200 and third in page.text  # beyond the end: the last page


async def test_repair_tickets_come_by_pages_oldest_first(world):
    tags = [await available("laptop") for _n in range(3)]
    for tag in tags:
        opened = await world.technician.post("/api/v1/repairs/", {"tag": tag,
                                                                  "problem": "écran"})
        assert opened.status_code == 201, opened.text
    repairs = await pages_of(world.technician, "/api/v1/repairs", 2)
    assert [[r["tag"] for r in p] for p in repairs] == [tags[:2], tags[2:]]


async def test_an_items_history_comes_by_pages_newest_first(world):
    tag = (await make_item("laptop"))["tag"]
    for note in ("un", "deux", "trois"):
        await item_svc.update_item(SYSTEM, tag, {"notes": note})
    history = await pages_of(world.technician, f"/api/v1/items/{tag}/history", 3)
    assert [len(p) for p in history] == [3, 1]
    assert history[1][0]["action"] == "created"


async def test_learning_paths_and_loans_after_a_path_come_by_pages(world):
    added = await learning.seed_paths()
    paths = await pages_of(world.coordinator, "/api/v1/learning-paths", 2)
    assert sum(len(p) for p in paths) == added and all(len(p) <= 2 for p in paths)
    ended = await world.coordinator.get("/api/v1/loans/path-ended?per_page=1")
    assert ended.status_code == 200 and ended.json() == []


async def test_saved_rule_set_versions_come_by_pages(world):
    for version in ("2026.2", "2026.3", "2026.4"):
        text = default_text().replace('version = "2026.1"', f'version = "{version}"')
        assert (await send(world.admin, "/admin/ruleset", {"text": text})).status_code == 303
    versions = await pages_of(world.coordinator, "/api/v1/ruleset/versions", 2)
    assert [[v["version"] for v in p] for p in versions] == [["2026.4", "2026.3"],
                                                             ["2026.2"]]


async def test_the_waiting_list_comes_by_pages_with_figures_for_the_whole_list(world):
    for n in range(3):
        person = await world.person(world.sw_a, first_name=f"Attente{n}",
                                    phone=f"06 20 00 00 0{n}")
        added = await world.sw_a.post("/api/v1/waiting-list/", {
            "beneficiary_number": person["number"], "kind": "laptop", "site_code": "AUB"})
        assert added.status_code == 201, added.text
    page = await world.coordinator.get("/api/v1/waiting-list?per_page=2&page=2")
    assert page.status_code == 200
    assert [e["position"] for e in page.json()["entries"]] == [3]
    assert page.json()["stats"]["waiting"] == 3


async def test_the_organisations_screen_reads_fifty_at_a_time(world):
    for n in range(60):
        await make_org(f"Structure {n:02d}")
    first = await world.coordinator.get("/admin")
    last = await world.coordinator.get("/admin", params={"page": 2})
    assert first.text.count("<tr><td>") == 50 and last.text.count("<tr><td>") == 12
    assert FR("Page {page} of {pages}").format(page=2, pages=2) in last.text


async def test_the_desk_search_pages_through_the_shared_pager(world):
    for n in range(51):
        await world.person(world.desk_aub, first_name=f"Martin{n:02d}", last_name="Dupont",
                           phone=f"06 30 00 {n:02d} 00", partner_org_id=world.org_a)
    page = await world.desk_aub.get("/lend/people", params={"q": "dupont",
                                                            "tag": "ESN-00001-X"})
    assert 'href="/lend?q=dupont&amp;tag=ESN-00001-X&amp;page=2"' in page.text
    assert FR("Page {page} of {pages}").format(page=1, pages=2) in page.text
