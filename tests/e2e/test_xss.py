"""Stored and reflected XSS: payloads put in every text field through the JSON API (and one
in the User-Agent) come back escaped on every page and htmx fragment, and never run.

The browser contexts here bypass the Content-Security-Policy on purpose: escaping alone must
stop the payloads (the CSP is the second wall, checked separately on every answer). A payload
that ran would open a dialog, and one printed raw would leave an element with an ``on…``
attribute, an inline script or an ``<svg>``/``<img src=x>`` in the DOM.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

import httpx
import pytest

from tests.e2e.conftest import require_playwright

expect = require_playwright()

from tests.e2e.pages import LendPage, LoginPage, ReturnPage

pytestmark = pytest.mark.e2e

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS = "javascript:alert(1)"
TEMPLATE = "{{7*7}}"
TEXTAREA = "</textarea><svg onload=alert(1)>"
EVERY = " ".join((SCRIPT, IMG, JS, TEMPLATE, TEXTAREA))
USER_AGENT = f"Mozilla/5.0 {IMG} {SCRIPT}"

# Anything left in the DOM by a payload printed raw (the app itself has none of these).
INJECTED_JS = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) found.push(el.tagName + '[' + attr.name + ']');
      if (/^\\s*javascript:/i.test(attr.value)) found.push(el.tagName + '[' + attr.name + ']');
    }
  }
  document.querySelectorAll('script:not([src]), svg, img[src="x"]').forEach(
    el => found.push(el.tagName));
  return found;
}"""


@dataclass
class World:
    """What the seeding made: names to look for on the pages."""

    fields: dict[str, str]
    people: dict[str, str] = field(default_factory=dict)  # X, Y, W, Z -> number
    tags: dict[str, str] = field(default_factory=dict)  # A (on loan), B (free), C (repair)…
    ticket_id: int = 0
    passwords: dict[str, str] = field(default_factory=dict)


FIELDS = {
    "org": f"Org {IMG} {TEXTAREA}", "site": f"Site {SCRIPT}",
    "tech": f"Tech {TEXTAREA}", "sw": f"SW {IMG}",
    "first": f"Fn{SCRIPT}", "last": f"Ln{IMG}", "commune": f"Co{TEXTAREA}",
    "brand": f"Br{IMG}", "model": f"Mo{TEXTAREA}{TEMPLATE}", "donor": f"Do{JS}",
    "acc1": f"Acc{SCRIPT}", "acc2": f"Acc{JS}{TEMPLATE}", "reason": f"Re{IMG}",
    "decline": f"Dr{TEXTAREA}", "problem": f"Pb{SCRIPT} {EVERY}", "diagnosis": f"Dg{TEXTAREA}",
    "actions": f"Ac{SCRIPT}", "part": f"Pt{IMG}", "condition": f"Cd{TEXTAREA}",
}


class Api:
    """A JSON API session (cookie and CSRF token) for one account."""

    def __init__(self, base_url: str, username: str, password: str, user_agent: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30,
                                 headers={"User-Agent": user_agent})
        answer = self.http.post("/api/v1/auth/login",
                                json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        self.http.headers["x-csrf-token"] = answer.json()["csrf_token"]

    def call(self, method: str, path: str, body: dict | None = None, status: int = 200) -> dict:
        answer = self.http.request(method, path, json=body)
        assert answer.status_code == status, f"{method} {path}: {answer.text}"
        return answer.json() if answer.content else {}


def _person(api: Api, org_id: int, suffix: str, commune: str) -> str:
    body = {"first_name": FIELDS["first"], "last_name": FIELDS["last"] + suffix,
            "birth_year": 1980, "commune": commune, "situation": "minima_sociaux",
            "in_priority_area": True, "consent_on": date.today().isoformat(),
            "consent_version": "2026-1", "site_code": "AUB", "notes": EVERY,
            "partner_org_id": org_id, "confirm_duplicate": True}
    return api.call("POST", "/api/v1/beneficiaries", body, 201)["number"]


def _refer(api: Api, number: str, accept: bool) -> None:
    referral = api.call("POST", "/api/v1/referrals", {
        "beneficiary_number": number, "requested_kinds": ["laptop"], "need": EVERY,
        "path_wish": f"Pw{JS}"}, 201)
    api.call("POST", f"/api/v1/referrals/{referral['id']}/answer",
             {"accept": accept, "reason": "" if accept else FIELDS["decline"]})
    if accept:
        api.call("POST", f"/api/v1/beneficiaries/{number}/decisions", {
            "requested_kinds": ["laptop"],
            "proofs": [{"type": "attestation_caf", "seen_on": date.today().isoformat()}]}, 201)


def _item(api: Api, to: tuple[str, ...] = ("refurbishing", "available")) -> str:
    tag = api.call("POST", "/api/v1/items", {
        "kind": "laptop", "site_code": "AUB", "brand": FIELDS["brand"], "model": FIELDS["model"],
        "donor": FIELDS["donor"], "notes": EVERY, "accessories": [FIELDS["acc1"], FIELDS["acc2"]],
        "intake_batch": f"Ib{SCRIPT}"}, 201)["tag"]
    for target in to:
        api.call("POST", f"/api/v1/items/{tag}/transitions",
                 {"to": target, "reason": FIELDS["reason"], "note": EVERY})
    return tag


def _lend(api: Api, number: str, tag: str) -> None:
    api.call("POST", "/api/v1/loans", {
        "beneficiary_number": number, "note": EVERY, "lines": [{
            "tag": tag, "accessories": [FIELDS["acc1"], FIELDS["acc2"]],
            "condition": FIELDS["condition"]}]}, 201)


def _users(admin: Api, org_id: int, world: World) -> None:
    for username, role, name, extra in (
            ("xss_tech", "technician", FIELDS["tech"], {"site_code": "AUB"}),
            ("xss_sw", "social_worker", FIELDS["sw"], {"site_code": "AUB",
                                                       "partner_org_id": org_id})):
        world.passwords[username] = secrets.token_urlsafe(16)
        admin.call("POST", "/api/v1/users", {"username": username, "role": role,
                                             "password": world.passwords[username],
                                             "display_name": name, **extra}, 201)


def _ruleset_with_payload(admin: Api) -> None:
    """The same rules under a new version, with the payloads in a TOML comment."""
    text = admin.call("GET", "/api/v1/ruleset")["text"]
    text = re.sub(r'(?m)^version\s*=\s*".*"$', 'version = "xss-e2e"', text, count=1)
    admin.call("PUT", "/api/v1/ruleset", {"text": f"# {TEXTAREA} {SCRIPT}\n{text}"})


@pytest.fixture(scope="module")
def world(live_server) -> Iterator[World]:
    """Every payload stored through the API with the admin account (and two new accounts)."""
    admin = Api(live_server.base_url, "admin", live_server.accounts["admin"], USER_AGENT)
    world = World(fields=FIELDS)
    org_id = admin.call("POST", "/api/v1/partner-orgs",
                        {"name": FIELDS["org"], "commune": FIELDS["commune"]}, 201)["id"]
    admin.call("POST", "/api/v1/sites", {"code": "XSS", "name": FIELDS["site"],
                                         "address": EVERY}, 201)
    _users(admin, org_id, world)
    for key in "XYWZ":  # Z is refused; the others live in a served commune
        eligible = key != "Z"
        world.people[key] = _person(admin, org_id, key,
                                    "Bordeaux" if eligible else FIELDS["commune"])
        _refer(admin, world.people[key], eligible)
    world.tags = {key: _item(admin) for key in "ABDE"}
    world.tags["C"] = _item(admin, to=("refurbishing",))
    _lend(admin, world.people["X"], world.tags["A"])
    _lend(admin, world.people["Y"], world.tags["D"])
    admin.call("POST", "/api/v1/returns", {"tag": world.tags["D"], "accessories_back": [],
                                           "condition": FIELDS["condition"]})
    _lend(admin, world.people["W"], world.tags["E"])
    tech = Api(live_server.base_url, "xss_tech", world.passwords["xss_tech"], USER_AGENT)
    ticket = tech.call("POST", "/api/v1/repairs",
                       {"tag": world.tags["C"], "problem": FIELDS["problem"]}, 201)
    world.ticket_id = ticket["id"]
    tech.call("PATCH", f"/api/v1/repairs/{ticket['id']}",
              {"diagnosis": FIELDS["diagnosis"], "actions": FIELDS["actions"]})
    tech.call("POST", f"/api/v1/repairs/{ticket['id']}/parts",
              {"name": FIELDS["part"], "cost_cents": 1250}, 201)
    _ruleset_with_payload(admin)
    admin.http.close()
    tech.http.close()
    yield world


class Watch:
    """A page whose dialogs are recorded (and dismissed), in a context without the CSP."""

    def __init__(self, page) -> None:
        self.page, self.dialogs = page, []
        page.on("dialog", self._record)

    def _record(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check(self, answer, *texts: str) -> None:
        """The answer had the CSP; nothing ran or was injected; ``texts`` show literally."""
        assert answer is not None
        policy = answer.headers.get("content-security-policy", "")
        # 'wasm-unsafe-eval' (the camera's code reader) runs no JavaScript text: allowed.
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy \
            and "'unsafe-eval'" not in policy, (answer.url, policy)
        self.page.wait_for_load_state()  # images tried, their handlers (if any) run
        assert self.dialogs == [], (self.page.url, self.dialogs)
        assert self.page.evaluate(INJECTED_JS) == [], self.page.url
        body = self.page.locator("body")
        for text in texts:
            expect(body).to_contain_text(text)

    def visit(self, path: str, *texts: str, status: int = 200) -> None:
        answer = self.page.goto(path)
        assert answer.status == status, (path, answer.status)
        self.check(answer, *texts)


@pytest.fixture
def watch(browser, live_server) -> Iterator[object]:
    """A fresh profile that ignores the CSP and sends the User-Agent payload."""
    ctx = browser.new_context(base_url=live_server.base_url, locale="fr-FR", bypass_csp=True,
                              user_agent=USER_AGENT,
                              extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    ctx.set_default_timeout(10_000)
    yield lambda username, password: _signed_in(ctx.new_page(), username, password)
    ctx.close()


def _signed_in(page, username: str, password: str) -> Watch:
    LoginPage(page).open().sign_in(username, password)
    expect(page).not_to_have_url(re.compile(r"/login"))
    return Watch(page)


def test_the_detector_sees_a_payload_that_runs(watch, live_server):
    """The harness itself: without the CSP, a raw payload opens a dialog and is found."""
    w = watch("admin", live_server.accounts["admin"])
    w.page.set_content(f"<p>{IMG}</p>")
    expect(w.page.locator("img")).to_have_count(1)
    w.page.wait_for_function("document.images[0].complete")
    assert w.dialogs == ["1"]
    assert w.page.evaluate(INJECTED_JS) == ["IMG[onerror]", "IMG"]


def test_the_admin_sees_every_payload_escaped(watch, live_server, world):
    w, t = watch("admin", live_server.accounts["admin"]), world.tags
    w.visit("/desk")
    w.visit(f"/i/{t['A']}", FIELDS["brand"], FIELDS["model"], FIELDS["reason"])
    w.visit(f"/i/{t['C']}", FIELDS["brand"], FIELDS["reason"], "xss_tech")
    w.visit("/admin", FIELDS["org"])
    w.visit("/admin/ruleset")
    assert TEXTAREA in w.page.get_by_test_id("ruleset-form").locator("textarea").input_value()
    w.visit("/portal/refer")
    assert FIELDS["org"] in w.page.locator("#f-partner_org_id").inner_text()
    assert FIELDS["site"] in w.page.locator("#f-site_code").inner_text()
    w.visit(f"/portal/people/{world.people['X']}", FIELDS["first"], FIELDS["last"],
            FIELDS["org"])
    w.visit(f"/portal/people/{world.people['Z']}", FIELDS["commune"], FIELDS["decline"])
    w.visit("/workshop", f"Pb{SCRIPT}", FIELDS["brand"], FIELDS["model"])
    w.visit(f"/workshop/repairs/{world.ticket_id}", FIELDS["problem"], FIELDS["tech"],
            FIELDS["part"], FIELDS["brand"], FIELDS["model"])
    assert w.page.locator("#r-diagnosis").input_value() == FIELDS["diagnosis"]
    assert w.page.locator("#r-actions").input_value() == FIELDS["actions"]


def test_reflected_input_comes_back_escaped(watch, live_server, world):
    w = watch("admin", live_server.accounts["admin"])
    w.visit(f"/scan?code={quote(IMG)}", status=404)
    assert w.page.locator("#scan-code").input_value() == IMG
    w.visit("/labels")
    w.page.locator("#f-tags").fill(TEXTAREA + SCRIPT)
    with w.page.expect_navigation() as nav:
        w.page.get_by_test_id("labels-print-button").click()
    w.check(nav.value)
    assert w.page.locator("#f-tags").input_value() == TEXTAREA + SCRIPT


def test_the_front_desk_sees_the_payloads_escaped_in_pages_and_fragments(
        watch, live_server, world):
    w, t = watch("accueil", live_server.accounts["accueil"]), world.tags
    number = world.people["X"]
    lend = LendPage(w.page)
    w.visit("/lend")
    with w.page.expect_response(lambda r: "/lend/people" in r.url) as fragment:
        w.page.get_by_test_id("lend-person-search").fill(number)
    expect(w.page.get_by_test_id("lend-person-result")).to_contain_text(FIELDS["last"] + "X")
    w.check(fragment.value, FIELDS["first"])
    w.visit(f"/lend?person={number}&tag={t['B']}", FIELDS["first"], FIELDS["last"],
            FIELDS["brand"], FIELDS["model"], FIELDS["acc1"], FIELDS["acc2"])
    expect(lend.lines).to_have_count(1)
    w.visit(f"/i/{t['A']}", FIELDS["brand"], FIELDS["model"], number)
    w.visit(f"/return?tag={t['E']}", FIELDS["acc1"], FIELDS["acc2"], FIELDS["model"])
    w.page.locator("#condition").fill(FIELDS["condition"])
    for box in w.page.locator("input[name=back]").all():
        box.uncheck()
    with w.page.expect_navigation() as nav:
        w.page.get_by_test_id("return-submit").click()
    w.check(nav.value, FIELDS["acc1"], FIELDS["acc2"], FIELDS["brand"])
    expect(ReturnPage(w.page).result).to_contain_text(t["E"])


def test_the_social_worker_and_technician_see_the_payloads_escaped(watch, live_server, world):
    w = watch("xss_sw", world.passwords["xss_sw"])
    w.visit("/portal", FIELDS["sw"], FIELDS["first"], FIELDS["last"] + "X", world.tags["A"])
    with w.page.expect_response(lambda r: r.url.endswith("/preview")) as fragment:
        answer = w.page.goto(f"/portal/people/{world.people['X']}")
    expect(w.page.get_by_test_id("preview-outcomes").locator("li").first).to_be_visible()
    w.check(answer, FIELDS["first"], FIELDS["last"], FIELDS["org"])
    w.check(fragment.value)
    w.visit(f"/portal/people/{world.people['Z']}", FIELDS["decline"], FIELDS["last"] + "Z",
            FIELDS["commune"])
    tech = watch("xss_tech", world.passwords["xss_tech"])
    tech.visit("/workshop", FIELDS["tech"], f"Pb{SCRIPT}", FIELDS["brand"])
    tech.visit(f"/workshop/repairs/{world.ticket_id}", FIELDS["problem"], FIELDS["part"])
