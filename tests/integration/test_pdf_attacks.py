"""PDF rendering attacks through the real routes, on both databases.

Text that WeasyPrint would follow if it ever reached it as markup or CSS (``file://`` URLs, a
local listener's ``http://`` URL, ``url(file:///dev/urandom)``, ``@import``) goes into every
field a person can type and into the association's name; then every PDF the service produces
is fetched over HTTP. Each must parse, hold no byte of /etc/passwd and no attached file, leave
the listener without a single hit, and come back within the time limit (reading /dev/urandom
would never end). The renderer-level twins are in tests/unit/test_documents_safety.py.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pymupdf
import pytest

from inventory.app import create_app
from inventory.services.common import today
from tests.conftest import settings_for
from tests.factories import PASSWORD
from tests.integration.people_world import Caller, World, build_world
from tests.unit.test_documents_safety import PASSWD_LINE, Listener

TIME_LIMIT = 10.0  # seconds per document, rendering included
PERIOD_REPORT = "/reports/period.pdf"


def payloads(url: str) -> dict[str, str]:
    """Each attack, by name; ``url`` is the listener's (``http://127.0.0.1:<port>/``)."""
    return {
        "file": "file:///etc/passwd",
        "img": '<img src="file:///etc/passwd">',
        "attachment": '<link rel=attachment href="file:///etc/passwd">',
        "http": f"{url}hit",
        "urandom": "url(file:///dev/urandom)",
        "style": '<p style="background: url(file:///dev/urandom)">',
        "import": f"<style>@import url({url}css)</style>",
    }


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()


@dataclass
class Fetched:
    """One PDF as the service returned it, and how long it took."""

    name: str
    response: httpx.Response
    seconds: float


@dataclass
class Attack:
    world: World
    app: Any
    bad: dict[str, str]
    every: str  # every payload in one string, for the long text fields
    refs: dict[str, str] = field(default_factory=dict)
    fetched: list[Fetched] = field(default_factory=list)

    async def fetch(self, name: str, caller: Caller, url: str) -> Fetched:
        """GET a document, failing the test if it does not come back in time."""
        started = time.monotonic()
        response = await asyncio.wait_for(caller.get(url), TIME_LIMIT)
        done = Fetched(name, response, time.monotonic() - started)
        assert response.status_code == 200, (name, response.status_code, response.text[:300])
        self.fetched.append(done)
        return done


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


async def hostile_desk(attack: Attack, stack: AsyncExitStack) -> Caller:
    """A front-desk volunteer whose display name (printed on documents) is an attack."""
    ok(await attack.world.admin.post("/api/v1/users/", {
        "username": "hostile_desk", "password": PASSWORD, "role": "front_desk",
        "display_name": attack.bad["img"], "site_code": "AUB"}), 201)
    transport = httpx.ASGITransport(app=attack.app, client=("127.0.0.1", 50000))
    http = await stack.enter_async_context(
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000"))
    signed = ok(await http.post("/api/v1/auth/login", json={"username": "hostile_desk",
                                                            "password": PASSWORD}))
    return Caller("hostile_desk", http, {"x-csrf-token": signed["csrf_token"]})


async def hostile_person(attack: Attack) -> str:
    """A person referred by organisation A, every text field an attack; their number."""
    world, bad = attack.world, attack.bad
    person = await world.person(world.sw_a, first_name=bad["img"], last_name=bad["file"],
                                notes=attack.every[:500])
    number = person["number"]
    ok(await world.sw_a.post("/api/v1/referrals/", {
        "beneficiary_number": number, "requested_kinds": ["laptop", "sim"],
        "need": attack.every, "path_wish": bad["http"]}), 201)
    decision = ok(await world.sw_a.post(f"/api/v1/beneficiaries/{number}/decisions",
                                        {"requested_kinds": ["laptop", "sim"]}), 201)
    assert decision["eligible"], decision
    return number


async def hostile_items(attack: Attack) -> tuple[str, str]:
    """A laptop ready to lend and a SIM card, their descriptions attacks; their tags."""
    world, bad = attack.world, attack.bad
    laptop = ok(await world.admin.post("/api/v1/items/", {
        "kind": "laptop", "site_code": "AUB", "brand": bad["file"], "model": bad["import"],
        "serial": bad["http"], "accessories": [bad["img"], bad["attachment"], bad["urandom"]],
        "notes": attack.every}), 201)["tag"]
    for target in ("refurbishing", "available"):
        ok(await world.technician.post(f"/api/v1/items/{laptop}/transitions", {"to": target}))
    card = ok(await world.admin.post("/api/v1/items/", {
        "kind": "sim", "site_code": "AUB", "operator": bad["import"], "model": bad["img"],
        "voucher_code": bad["urandom"], "notes": attack.every}), 201)["tag"]
    return laptop, card


async def prepare(attack: Attack, stack: AsyncExitStack) -> None:
    """Sites, organisation, staff, person, items, loan, return and wipe, all hostile."""
    world, bad = attack.world, attack.bad
    ok(await world.admin.patch("/api/v1/sites/AUB", {
        "name": bad["attachment"], "address": f"{bad['import']}, 33300 Bordeaux"}))
    ok(await world.admin.patch(f"/api/v1/partner-orgs/{world.org_a}", {"name": bad["import"]}))
    desk = await hostile_desk(attack, stack)
    number = await hostile_person(attack)
    laptop, card = await hostile_items(attack)
    loan = ok(await desk.post("/api/v1/loans/", {
        "beneficiary_number": number, "note": attack.every,
        "lines": [{"tag": laptop, "accessories": [bad["img"], bad["attachment"],
                                                  bad["urandom"]],
                   "condition": bad["http"]}, {"tag": card}]}), 201)
    ok(await desk.post("/api/v1/returns", {"tag": laptop, "accessories_back": [bad["img"]],
                                           "condition": f"{bad['img']} {bad['import']}"}))
    wipe = ok(await world.technician.post("/api/v1/wipes/", {
        "tag": laptop, "method": "nist_clear", "tool": bad["import"],
        "wiped_on": today().isoformat(), "passed": True, "check_passed": True,
        "notes": attack.every}), 201)
    attack.refs.update(number=number, laptop=laptop, card=card, loan=loan["reference"],
                       wipe=str(wipe["id"]))
    attack.world.callers["hostile_desk"] = desk


async def label_job(attack: Attack, tags: str) -> str:
    """Start a background label job and wait for it; the URL of its PDF."""
    admin = attack.world.admin
    started = ok(await admin.http.post(f"/api/v1/labels/jobs/?tags={tags}",
                                       headers=admin.headers), 202)
    deadline = time.monotonic() + TIME_LIMIT
    while time.monotonic() < deadline:
        job = ok(await admin.get(started["status_url"]))
        if job["status"] != "running":
            assert job["result_url"], job
            return job["result_url"]
        await asyncio.sleep(0.05)
    raise AssertionError("the label job did not finish in time")


def has_route(app, path: str) -> bool:
    return any(route.path == path for route in app.routes)


async def fetch_every_document(attack: Attack) -> None:
    world, refs = attack.world, attack.refs
    desk, loan = world.hostile_desk, f"/api/v1/loans/{refs['loan']}"
    tags = f"{refs['laptop']},{refs['card']}"
    await attack.fetch("loan agreement", desk, f"{loan}/agreement.pdf")
    await attack.fetch("return receipt", desk, f"{loan}/return-receipt.pdf")
    await attack.fetch("card handover slip", desk,
                       f"{loan}/cards/{refs['card']}/slip.pdf?with_code=true")
    await attack.fetch("wipe certificate", world.technician,
                       f"/api/v1/wipes/{refs['wipe']}/certificate.pdf")
    await attack.fetch("label sheet", world.admin,
                       f"/api/v1/labels/sheet.pdf?tags={tags}&layout=a4-3x7")
    await attack.fetch("thermal label", world.admin,
                       f"/api/v1/labels/sheet.pdf?tags={tags}&layout=roll-62x29")
    await attack.fetch("label job", world.admin, await label_job(attack, tags))
    await attack.fetch("privacy export", world.admin,
                       f"/api/v1/beneficiaries/{refs['number']}/export.pdf")
    if has_route(attack.app, PERIOD_REPORT):
        year = today().year
        await attack.fetch("period report", world.coordinator,
                           f"{PERIOD_REPORT}?start={date(year, 1, 1)}&end={date(year, 12, 31)}"
                           "&site=AUB")


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def inspect(pdf: bytes) -> tuple[str, bytes, list]:
    """The PDF's text, its bytes with every stream decompressed, and its outside links."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        assert doc.is_pdf and doc.page_count >= 1
        assert doc.embfile_count() == 0, "a file is embedded"
        text = " ".join(page.get_text() for page in doc)
        links = [link for page in doc for link in page.get_links()
                 if link["kind"] != pymupdf.LINK_GOTO
                 and not str(link.get("uri", "")).startswith("https://")]
        attached = [a for page in doc for a in page.annots(
            types=[pymupdf.PDF_ANNOT_FILE_ATTACHMENT])]
        assert not attached, "a file is attached"
        expanded = doc.tobytes(expand=255)
    return text, expanded, links


@pytest.fixture
async def attack(db, listener) -> Attack:
    bad = payloads(listener.url)
    every = " ".join(bad.values())
    settings = settings_for(db, association_name=f"ESN {bad['import']} {bad['file']}")
    app = create_app(settings, engine=db.engine)
    async with AsyncExitStack() as stack:
        world = await build_world(app, stack)
        attack = Attack(world, app, bad, every)
        await prepare(attack, stack)
        await fetch_every_document(attack)
        yield attack


# What each document prints of the attacks: proof that they reached the renderer as text.
PRINTED = {
    "loan agreement": ("img", "file", "attachment"),
    "return receipt": ("img", "import"),
    "card handover slip": ("urandom", "import"),
    "wipe certificate": ("import", "urandom", "style"),
    "privacy export": ("img", "file", "http"),
    "label sheet": ("file",),
    "thermal label": ("file",),
    "label job": ("file",),
}


async def test_every_pdf_is_produced_in_time_without_reading_a_file_or_the_network(
        attack, listener):
    names = [f.name for f in attack.fetched]
    assert len(names) >= 8, names
    for fetched in attack.fetched:
        response = fetched.response
        assert response.headers["content-type"].startswith("application/pdf"), fetched.name
        assert response.content.startswith(b"%PDF-"), fetched.name
        text, expanded, links = inspect(response.content)
        assert not PASSWD_LINE.search(text), fetched.name
        assert not PASSWD_LINE.search(expanded.decode("latin-1")), fetched.name
        assert not links, (fetched.name, links)
        for key in PRINTED.get(fetched.name, ()):
            assert squeezed(attack.bad[key]) in squeezed(text), (fetched.name, key)
        assert fetched.seconds < TIME_LIMIT, fetched.name
    assert listener.hits == 0
    print({f.name: round(f.seconds, 3) for f in attack.fetched})
