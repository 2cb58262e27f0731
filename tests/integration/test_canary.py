"""Cross-organisation canary, on both databases: a unique string sits in organisation B's
people (names, e-mail, notes, referral need, loan note, waiting-list note); a social worker of
organisation A calls every GET route of the app, with B's and their own ids in the path and
search strings in the query, and the string never comes back: not in JSON, HTML, CSV, SVG,
ZPL, nor in the text of a PDF. The route table is walked, so a new GET route is covered."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from itertools import count
from typing import Any

import fitz
import pytest

from inventory.db.tables import Beneficiary, StaffUser, WaitingEntry
from tests.integration.people_world import build_world
from tests.integration.privacy_helpers import available, followed, give_back, lend

CANARY = "CANARI-7f3a"
# As stored and as derived: folded for search, without spaces in the duplicate key.
TRACES = ("canari-7f3a", "canari 7f3a", "canari7f3a")
# Query values echo a search, never the whole canary: "canari" and "7f3a" alone.
SEARCHES = ("canari", "7f3a")


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def people_of(world, caller, marker: str, years: tuple[int, int]) -> dict[str, list]:
    """Two people of ``caller``'s organisation: one returned a laptop, one holds one and waits
    for a tablet. Returns path values by parameter name."""
    values: dict[str, list] = {"number": [], "reference": [], "tag": [], "referral_id": [],
                               "decision_id": [], "entry_id": []}
    for index, year in enumerate(years):
        person = await followed(world, caller, first_name=f"Zoé {marker}",
                                last_name=f"{marker} Durand", birth_year=year, phone=None,
                                email=f"{marker.lower()}{index}@example.org",
                                notes=f"Suivie {marker}")
        tag = await available()
        loan = await lend(world.desk_aub, person["number"], tag, note=f"Prêt {marker}")
        values["number"].append(person["number"])
        values["reference"].append(loan["reference"])
        values["tag"].append(tag)
        values["referral_id"].append(person["referral_id"])
        values["decision_id"].append(person["decision_id"])
        if index == 0:
            await give_back(world.desk_aub, tag)
            continue
        entry = await caller.post("/api/v1/waiting-list/", {
            "beneficiary_number": person["number"], "kind": "tablet", "site_code": "AUB",
            "note": f"Attente {marker}"})
        assert entry.status_code == 201, entry.text
        values["entry_id"].append(entry.json()["id"])
    return values


async def path_values(world) -> dict[str, list]:
    """Candidates for each path parameter: B's records first, then A's own."""
    theirs = await people_of(world, world.sw_b, CANARY, (1985, 1986))
    mine = await people_of(world, world.sw_a, "Awa", (1990, 1991))
    values = {name: theirs[name] + mine[name] for name in theirs}
    sw_b = await StaffUser.select(StaffUser.id).where(StaffUser.username == "sw_b").first()
    values["org_id"] = [world.org_b, world.org_a]
    values["user_id"] = [sw_b["id"]]
    values["filename"] = [f"{tag}.svg" for tag in values["tag"]]
    values["path"] = ["openapi.json"]
    values["file_path"] = ["app.css"]
    ids = await Beneficiary.select(Beneficiary.id).where(Beneficiary.partner_org == world.org_b)
    entries = await WaitingEntry.select(WaitingEntry.id)
    values["_int"] = sorted({*(r["id"] for r in ids), *(r["id"] for r in entries),
                             *theirs["referral_id"], *theirs["decision_id"], 1, 2})
    values["_str"] = theirs["number"] + theirs["reference"] + theirs["tag"]
    return values


def get_routes(app) -> list[str]:
    """Every GET path template of the app."""
    return sorted({route.path for route in app.routes for handler in route.route_handlers
                   if "GET" in handler.http_methods})


def query_parameters(app) -> dict[str, list[dict[str, Any]]]:
    """Query parameters of each GET path, from the OpenAPI document."""
    found = {}
    for path, item in (app.openapi_schema.to_schema().get("paths") or {}).items():
        params = (item.get("get") or {}).get("parameters") or []
        found[path.rstrip("/") or "/"] = [p for p in params if p.get("in") == "query"]
    return found


def query_values(param: dict[str, Any], values: dict[str, list]) -> list[str]:
    schema = param.get("schema") or {}
    options = schema.get("oneOf") or schema.get("anyOf") or [schema]
    types = {o.get("type") for o in options}
    enum = next((o["enum"] for o in options if "enum" in o), None)
    if enum:
        return [str(v) for v in enum if v is not None][:3]
    if "integer" in types:
        return [str(v) for v in values["_int"]]
    if "boolean" in types:
        return ["true", "false"]
    if "string" in types and not any(o.get("format") in ("date", "date-time")
                                     for o in options):
        return [*SEARCHES, *values["_str"]]
    return []


# Pages outside the OpenAPI document (HTML): the names their search boxes use.
PAGE_QUERIES = ("q", "person", "number", "tag", "code", "beneficiary")


def requests_for(path: str, values: dict[str, list],
                 queries: dict[str, list]) -> list[tuple[str, dict[str, str]]]:
    """The path filled with each candidate in turn, alone and with each query parameter set
    to each of its values (one at a time, so that one refused value does not hide another)."""
    names = re.findall(r"\{(\w+):(\w+)\}", path)
    candidates = {name: values.get(name) or values["_int" if kind == "int" else "_str"]
                  for name, kind in names}
    key = re.sub(r":\w+\}", "}", path).rstrip("/") or "/"
    params = queries.get(key)
    if params is None:
        params = [{"name": n, "schema": {"type": "string"}} for n in PAGE_QUERIES]
    options = {p["name"]: query_values(p, values) for p in params}
    rounds = max([len(v) for v in candidates.values()] + [1])
    found = []
    for i in range(rounds):
        filled = re.sub(r"\{(\w+):\w+\}",
                        lambda m: str(candidates[m.group(1)][i % len(candidates[m.group(1)])]),
                        path)
        found.append((filled, {}))
        found.extend((filled, {name: value}) for name, vals in options.items()
                     for value in vals)
    return found


def text_of(response) -> str:
    """What a reader could see in the answer: PDF text, or the decoded body."""
    body = response.content
    raw = body.decode("utf-8", "replace")
    if body.startswith(b"%PDF"):
        with fitz.open(stream=body, filetype="pdf") as pdf:
            raw += " ".join(page.get_text() for page in pdf)
    return raw.lower()


async def test_no_get_route_shows_another_organisations_people(app, world):
    values = await path_values(world)
    queries = query_parameters(app)
    routes = get_routes(app)
    assert len(routes) >= 30, routes
    calls, served = count(), set()
    for path in routes:
        for url, params in requests_for(path, values, queries):
            accept = "application/json" if url.startswith("/api/") else "text/html"
            response = await world.sw_a.get(url, params=params, headers={"accept": accept})
            next(calls)
            assert response.status_code < 500, (url, params, response.text[:300])
            text = text_of(response)
            for trace in TRACES:
                assert trace not in text, (url, params, response.status_code, trace)
            if response.status_code == 200:
                served.add(path)
    # The walk reached real pages: A's own records, lists and searches answered.
    assert {"/api/v1/beneficiaries", "/api/v1/beneficiaries/{number:str}",
            "/api/v1/loans/{reference:str}/agreement.pdf",
            "/api/v1/referrals"} <= {p.rstrip("/") for p in served}, served
    assert next(calls) > 300


async def test_the_canary_is_really_there_for_organisation_b(world):
    """The check above would pass on an empty world: B's worker does see the canary."""
    values = await path_values(world)
    number = values["number"][0]
    seen = await world.sw_b.get(f"/api/v1/beneficiaries/{number}")
    assert CANARY in seen.text
    found = await world.sw_b.get("/api/v1/beneficiaries/", params={"q": "canari"})
    assert found.json()["total"] == 2
    receipt = await world.sw_b.get(f"/api/v1/loans/{values['reference'][0]}/agreement.pdf")
    assert "canari-7f3a" in text_of(receipt)
