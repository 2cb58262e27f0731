"""Hostile text prints literally, and rendering never reads a file or touches the network."""

from __future__ import annotations

import dataclasses
import http.server
import re
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pymupdf
import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from inventory.documents import engine, samples
from inventory.documents.render import (
    render_agreement,
    render_card_handover,
    render_return_receipt,
    render_wipe_certificate,
)
from tests.unit.test_documents import text_of

TIME_LIMIT = 60  # seconds; a render that reads /dev/urandom or waits on a socket never ends
PASSWD_LINE = re.compile(r"root:[^:\s]*:0:0:")


class Listener:
    """A local HTTP server that counts every request it receives."""

    def __init__(self) -> None:
        self.hits = 0
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                listener.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { color: red }")

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()


def hostile_strings(url: str) -> list[str]:
    """Text a person or a careless import could put in any field."""
    return [
        "<img src=file:///etc/passwd>",
        "{{7*7}} {% raw %}",
        '<link rel="attachment" href="file:///etc/passwd">',
        f'<img src="{url}pixel.png">',
        '<p style="background: url(file:///dev/urandom)">x</p>',
        "url(file:///dev/urandom)",
        f'<style>@import url("{url}evil.css");</style>',
        '"><script>alert(1)</script>',
        f"{url}lien",
    ]


def within_time_limit(render: Callable[[], bytes]) -> bytes:
    """Run ``render`` in a thread and fail the test if it does not finish in time."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(render).result(timeout=TIME_LIMIT)


def assert_inert(pdf: bytes, listener: Listener) -> None:
    """Nothing was fetched, embedded or drawn from outside the document."""
    assert listener.hits == 0
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        assert doc.embfile_count() == 0
        assert all(not page.get_images() for page in doc)
    assert not PASSWD_LINE.search(text_of(pdf))


def squeezed(text: str) -> str:
    """Text without any whitespace, as table cells may wrap a long value anywhere."""
    return re.sub(r"\s+", "", text)


def test_hostile_text_in_every_agreement_field_prints_literally(listener):
    bad = hostile_strings(listener.url)
    base = samples.sample_agreement()
    item = dataclasses.replace(
        base.items[0], brand_model=bad[0], serial=bad[1], accessories=(bad[2], bad[3])
    )
    data = dataclasses.replace(
        base,
        association=dataclasses.replace(base.association, name=bad[7], gdpr_contact=bad[8]),
        beneficiary=dataclasses.replace(base.beneficiary, full_name=bad[4]),
        items=(item,),
        learning_path=bad[5],
        staff_name=bad[6],
        signature_city=bad[0],
    )
    pdf = within_time_limit(lambda: render_agreement(data))
    assert_inert(pdf, listener)
    text = squeezed(text_of(pdf))
    for value in bad:
        assert squeezed(value) in text, value


@pytest.mark.parametrize("kind", ["return receipt", "wipe certificate", "card handover"])
def test_hostile_text_in_the_other_documents_prints_literally(listener, kind):
    bad = hostile_strings(listener.url)
    data = {
        "return receipt": dataclasses.replace(
            samples.sample_return_receipt(), note=bad[0], staff_name=bad[3]
        ),
        "wipe certificate": dataclasses.replace(
            samples.sample_wipe_certificate(), tool=bad[6], details=bad[4]
        ),
        "card handover": dataclasses.replace(
            samples.sample_card_handover(voucher_code=bad[1]), activation_steps=(bad[2], bad[5])
        ),
    }[kind]
    render = {
        "return receipt": render_return_receipt,
        "wipe certificate": render_wipe_certificate,
        "card handover": render_card_handover,
    }[kind]
    pdf = within_time_limit(lambda: render(data))
    assert_inert(pdf, listener)
    text = squeezed(text_of(pdf))
    for field in dataclasses.fields(data):
        value = getattr(data, field.name)
        for part in value if isinstance(value, tuple) else (value,):
            if part in bad:
                assert squeezed(part) in text, (field.name, part)


# Defence in depth: even HTML that escaped the templates' autoescaping cannot fetch anything.
@pytest.mark.parametrize(
    "html",
    [
        '<link rel="attachment" href="file:///etc/passwd"><p>x</p>',
        '<p><img src="file:///etc/passwd"></p>',
        '<p style="background: url(file:///dev/urandom)">x</p>',
        "<style>@import url('file:///dev/urandom');</style><p>x</p>",
        '<p><img src="{url}pixel.png"></p>',
        "<style>@import url('{url}evil.css');</style><p>x</p>",
    ],
    ids=["attachment", "img file", "css urandom", "import urandom", "img http", "import http"],
)
def test_the_engine_refuses_any_fetch_even_in_raw_html(listener, html):
    with pytest.raises(engine.UnsafeDocument):
        within_time_limit(lambda: engine.html_to_pdf(html.format(url=listener.url), b"test"))
    assert listener.hits == 0


def test_the_engine_still_accepts_inline_data_urls():
    pixel = (
        "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'>"
        "<rect width='4' height='4'/></svg>"
    )
    pdf = engine.html_to_pdf(f'<p><img src="{pixel}"> ok</p>', b"test")
    assert "ok" in text_of(pdf)


def test_the_templates_are_autoescaped_sandboxed_and_strict():
    env = engine.environment()
    assert env.autoescape is True
    assert env.sandboxed
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing }}").render()
    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__ }}").render()


_watching = threading.Event()
_events: list[tuple[str, tuple]] = []


def _audit(event: str, args: tuple) -> None:
    if _watching.is_set() and event in {"open", "socket.connect", "urllib.Request"}:
        _events.append((event, args))


def test_a_warm_render_opens_no_file_and_no_socket():
    render_agreement(samples.sample_agreement())  # templates, CSS and fonts load here
    sys.addaudithook(_audit)  # cannot be removed; inert while the flag is clear
    _watching.set()
    try:
        render_agreement(samples.sample_agreement(items=2))
    finally:
        _watching.clear()
    assert _events == []
