"""Scanning with the camera (static/camera.js) in a real Chromium whose camera is a fake one
filming a label printed by the ``labels`` package, and the colour and sound of a scan's answer.

Debian's Chromium on Linux has no BarcodeDetector of its own (``'BarcodeDetector' in window``
is false, even with experimental web platform features), so the page always takes the
vendored zxing-wasm reader here; the tests force that path anyway, in case a later Chromium
gets one. The "browser's own detector" path is driven by a stand-in: the same reader installed
as ``window.BarcodeDetector`` before the page loads.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from inventory.domain.tags import encode
from tests.e2e.conftest import chromium_path, require_playwright

expect = require_playwright()

from tests.e2e.camera_feed import code128_image, label_image, write_y4m
from tests.e2e.pages import Camera, DeskPage, ItemPage, LendPage
from tests.e2e.test_browser import an_available, an_eligible_person, sign_in

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DECODER = "/static/vendor/barcode-detector-3.2.2/"
FAKE_CAMERA = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
# Forces the vendored reader even in a Chromium that would have its own.
NO_NATIVE_DETECTOR = "delete window.BarcodeDetector;"
# The browser's own BarcodeDetector, played by the vendored reader loaded before the page
# (after its script: Playwright wraps an init script in a function, hence the export).
STAND_IN_DETECTOR = """
window.BarcodeDetectionAPI = BarcodeDetectionAPI;
BarcodeDetectionAPI.prepareZXingModule({overrides: {locateFile: (path, prefix) =>
  path.endsWith('.wasm') ? 'DECODERzxing_reader.wasm' : prefix + path}});
window.BarcodeDetector = BarcodeDetectionAPI.BarcodeDetector;
""".replace("DECODER", DECODER)
# What Chromium answers on a machine without any camera (whatever this one has).
NO_CAMERA = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
"""
# Records each note that app.js plays: {type, value} per oscillator frequency.
TONE_RECORDER = """
window.__tones = [];
const createOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  const osc = createOscillator.call(this);
  const set = osc.frequency.setValueAtTime.bind(osc.frequency);
  osc.frequency.setValueAtTime = (value, time) => {
    window.__tones.push({type: osc.type, value});
    return set(value, time);
  };
  return osc;
};
"""


class Filmed:
    """A page in a browser whose camera films one image, and every URL the page asked for."""

    def __init__(self, page) -> None:
        self.page, self.urls = page, []
        page.on("request", lambda request: self.urls.append(request.url))

    def fetched(self, path: str) -> bool:
        return any(urlsplit(url).path == path for url in self.urls)


@pytest.fixture
def filming(browser, live_server, tmp_path):
    """Open a page in a Chromium of its own whose camera films ``image`` (the launch flags are
    per browser); ``args`` replace the fake camera's permission flags."""
    launched = []

    def start(image, *init_scripts: str, args=FAKE_CAMERA) -> Filmed:
        feed = write_y4m(image, tmp_path / f"camera-{len(launched)}.y4m")
        chromium = browser.browser_type.launch(
            executable_path=chromium_path(), headless=True,
            args=[*args, f"--use-file-for-fake-video-capture={feed}"])
        launched.append(chromium)
        context = chromium.new_context(base_url=live_server.base_url, locale="fr-FR",
                                       viewport={"width": 1366, "height": 768},
                                       extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        context.set_default_timeout(15_000)
        for script in init_scripts:
            context.add_init_script(script=script)
        return Filmed(context.new_page())

    yield start
    for chromium in launched:
        chromium.close()


def the_label(live_server, tag: str):
    return label_image(tag, f"{live_server.base_url}/i/{tag}")


def the_qr_code_of(live_server, tag: str):
    """The left part of the label: its QR code alone, without the Code 128."""
    label = the_label(live_server, tag)
    return label.crop((0, 0, label.height, label.height * 3 // 4))


def expect_camera_closed(page) -> None:
    for video in page.locator("video").all():
        assert video.evaluate("v => v.srcObject === null")
    assert page.evaluate("sessionStorage.getItem('esn-camera')") is None


def test_the_camera_reads_a_label_s_qr_code_and_opens_the_item_page(filming, live_server,
                                                                   screenshot_dir):
    tag = an_available(live_server, take=False)
    filmed = filming(the_qr_code_of(live_server, tag), NO_NATIVE_DETECTOR)
    page = filmed.page
    sign_in(page, live_server, "accueil")
    assert not filmed.fetched(DECODER + "ponyfill.js")  # loaded on demand only
    Camera(page).start()
    expect(page).to_have_url(re.compile(rf"/i/{re.escape(tag)}$"))
    expect(ItemPage(page).state).to_have_text("disponible")
    assert filmed.fetched(DECODER + "ponyfill.js") and filmed.fetched(
        DECODER + "zxing_reader.wasm")
    assert {urlsplit(u).netloc for u in filmed.urls} == {urlsplit(live_server.base_url).netloc}
    expect_camera_closed(page)
    expect(Camera(page).panel).to_be_hidden()
    ItemPage(page).screenshot(screenshot_dir, "camera-item")


def test_the_camera_reads_a_code_128_alone(filming, live_server):
    tag = an_available(live_server, take=False)
    page = filming(code128_image(tag), NO_NATIVE_DETECTOR).page
    sign_in(page, live_server, "accueil")
    Camera(page).start()
    expect(page).to_have_url(re.compile(rf"/i/{re.escape(tag)}$"))
    expect(ItemPage(page).heading).to_contain_text(tag)


def test_a_browser_with_its_own_detector_uses_it_and_fetches_no_reader_script(
        filming, live_server):
    tag = an_available(live_server, take=False)
    reader = (ROOT / "inventory" / DECODER.strip("/") / "ponyfill.js").read_text()
    filmed = filming(the_label(live_server, tag), reader + STAND_IN_DETECTOR)
    page = filmed.page
    sign_in(page, live_server, "accueil")
    Camera(page).start()
    expect(page).to_have_url(re.compile(rf"/i/{re.escape(tag)}$"))
    assert not filmed.fetched(DECODER + "ponyfill.js")


def test_on_the_lend_page_the_camera_stays_on_and_adds_each_item_once(filming, live_server,
                                                                      screenshot_dir):
    # Tablets: the laptops and SIM cards of the demo are for the other tests.
    person, tag = an_eligible_person(live_server, "tablet"), an_available(live_server, "tablet")
    page = filming(the_label(live_server, tag), NO_NATIVE_DETECTOR).page
    sign_in(page, live_server, "accueil")
    lend = LendPage(page).open()
    lend.choose_person(person["last_name"], person["number"])
    camera = Camera(page, page.get_by_test_id("lend-form"))
    camera.open()
    expect(lend.lines).to_have_count(1)
    expect(lend.lines.first).to_contain_text(tag)
    # The page came back with the list: the camera opened again by itself, still filming the
    # same label, which is not added a second time.
    camera = Camera(page, page.get_by_test_id("lend-form"))
    camera.expect_status("ready")
    assert camera.is_filming()
    page.wait_for_timeout(1500)
    expect(lend.lines).to_have_count(1)
    expect(page.get_by_test_id("lend-tag-error")).to_have_count(0)
    lend.screenshot(screenshot_dir, "camera-lend")
    camera.close()
    assert not camera.is_filming()
    expect(page.get_by_test_id("lend-tag-input")).to_be_focused()


def test_without_camera_permission_a_message_shows_and_the_box_still_works(
        filming, live_server):
    tag = an_available(live_server, take=False)
    page = filming(the_label(live_server, tag),
                   args=("--use-fake-device-for-media-stream", "--deny-permission-prompts")).page
    sign_in(page, live_server, "accueil")
    desk, camera = DeskPage(page), Camera(page)
    camera.open()
    camera.expect_status("denied")
    desk.expect_ready()
    page.keyboard.type(tag)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/i/{re.escape(tag)}$"))


def test_without_a_camera_a_message_shows_and_the_box_still_works(context, live_server):
    context.add_init_script(script=NO_CAMERA)
    page = context.new_page()
    tag = an_available(live_server, take=False)
    sign_in(page, live_server, "accueil")
    desk, camera = DeskPage(page), Camera(page)
    camera.open()
    camera.expect_status("missing")
    desk.expect_ready()
    desk.scan(tag)
    expect(page).to_have_url(re.compile(rf"/i/{re.escape(tag)}$"))


def test_a_scan_s_success_and_failure_differ_in_colour_and_in_sound(context, live_server):
    context.add_init_script(script=TONE_RECORDER)
    page = context.new_page()
    tag = an_available(live_server, take=False)
    sign_in(page, live_server, "accueil")
    desk = DeskPage(page).open()
    desk.scan(tag)
    expect(page.locator("body")).to_have_class(re.compile(r"\bflash-ok\b"))
    expect(page.locator("#scan-code")).to_have_class(re.compile(r"\bflash-ok\b"))
    page.wait_for_function("window.__tones.length === 2")
    good = page.evaluate("window.__tones")
    desk.scan(encode("ESN", 999_999))
    expect(desk.alert).to_be_visible()
    expect(page.locator("body")).to_have_class(re.compile(r"\bflash-bad\b"))
    page.wait_for_function("window.__tones.length === 2")
    bad = page.evaluate("window.__tones")
    assert [t["value"] for t in good] == [880, 1320]  # rising
    assert [t["value"] for t in bad] == [440, 220]    # falling
    assert {t["type"] for t in good} != {t["type"] for t in bad}
