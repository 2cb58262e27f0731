"""Label text: printed literally, French accents kept, shortened to fit; ZPL and async output."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import anyio
import pymupdf
import pytest

from inventory.i18n import gettext_for
from labels import (
    LAYOUTS,
    LabelData,
    LabelError,
    render_pdf,
    render_pdf_async,
    render_svg,
    render_zpl,
)
from labels.text import shorten, width, winansi
from tests.unit.labels_scan import page_text

FR = gettext_for("fr")
HOSTILE = ["<img src=file:///etc/passwd>", "{{7*7}}", "${7*7}", ") Tj /F1 99 Tf (", "\\) ET"]


def hostile_label(model: str) -> LabelData:
    return LabelData("ESN-00042-7", "http://127.0.0.1:8000/i/ESN-00042-7", kind="Tablette",
                     model=model, site="Aubiers", association="ESN")


@pytest.mark.parametrize("model", HOSTILE)
def test_hostile_item_text_prints_literally(model):
    [text] = page_text(render_pdf([hostile_label(model)], "a4-2x7"))
    assert model in text.splitlines()


@pytest.mark.parametrize("model", HOSTILE)
def test_hostile_item_text_is_escaped_in_svg(model):
    svg = render_svg(hostile_label(model), "a4-2x7")
    root = ElementTree.fromstring(svg.encode("utf-8"))
    texts = [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]
    assert model in texts
    assert not [e for e in root.iter() if e.tag.endswith(("image", "script", "foreignObject"))]


def test_french_accents_and_quotes_are_printed():
    label = LabelData("ESN-00042-7", "http://127.0.0.1:8000/i/ESN-00042-7",
                      kind="Clé 4G « œuvre »", model="Écran reçu très abîmé",
                      site="Espace Bègles", association="Cœur de Gâtinais")
    [text] = page_text(render_pdf([label], "a4-2x7"))
    for line in ("Clé 4G « œuvre »", "Écran reçu très abîmé", "Espace Bègles", "Cœur de Gâtinais"):
        assert line in text


def test_characters_outside_the_font_lose_their_accent_or_become_a_question_mark():
    assert winansi("Łódź Ørsted ő 漢 \u200b\x07tab\there") == "?ódz Ørsted o ? tab here".encode(
        "cp1252")


@pytest.mark.parametrize("name", LAYOUTS)
def test_long_names_are_shortened_with_an_ellipsis_and_never_leave_the_label(name):
    layout = LAYOUTS[name]
    label = LabelData("ESN-00042-7", "http://127.0.0.1:8000/i/ESN-00042-7",
                      kind="Ordinateur portable " * 5, model="WWWWWWWWWW" * 10,
                      site="Antenne " * 20, association="Association " * 20)
    pdf = render_pdf([label], layout)
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        page = document[0]
        spans = [span for block in page.get_text("dict")["blocks"]
                 for line in block["lines"] for span in line["spans"]]
        text = page.get_text()
    label_rect = pymupdf.Rect(*(v * 72 / 25.4 for v in (
        *layout.origin(1), layout.origin(1)[0] + layout.label_width,
        layout.origin(1)[1] + layout.label_height)))
    assert spans
    for span in spans:
        assert label_rect.contains(pymupdf.Rect(span["bbox"])), (span["text"], span["bbox"])
    assert "ESN-00042-7" in text.replace("\n", "")
    if layout.label_width > 40:
        assert "…" in text


def test_shorten_keeps_what_fits_and_ends_with_an_ellipsis():
    data = winansi("Lenovo ThinkPad T480 reconditionné")
    assert shorten(data, 10, 1000) == data
    short = shorten(data, 10, 60)
    assert short.endswith(b"\x85") and data.startswith(short[:-1])
    assert width(short, 10) <= 60


def test_zpl_has_one_block_per_label_with_native_qr_and_code128():
    labels = [hostile_label("ThinkPad"), hostile_label("iPad")]
    zpl = render_zpl(labels, "roll-62x29")
    blocks = zpl.strip().split("\n")
    assert len(blocks) == 2
    for block in blocks:
        assert block.startswith("^XA^CI28^PW") and block.endswith("^XZ")
        assert "^BQN,2," in block and "^FDMA,http://127.0.0.1:8000/i/ESN-00042-7^FS" in block
        assert "^BCN," in block and "^FDESN-00042-7^FS" in block


@pytest.mark.parametrize("model", ["^XZ^XA^GB8^FS", "~JR~PS", "a_b\nc\rd"])
def test_item_text_cannot_inject_zpl_commands(model):
    zpl = render_zpl([hostile_label(model)], "roll-62x29")
    fields = re.findall(r"\^FH_\^FD(.*?)\^FS", zpl)
    assert fields and all("^" not in f and "~" not in f for f in fields)
    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1
    assert "~" not in zpl
    decoded = [re.sub(r"_([0-9A-F]{2})", lambda m: chr(int(m[1], 16)), f) for f in fields]
    assert " ".join(model.replace("\n", " ").replace("\r", " ").split()) in decoded


def test_zpl_refuses_command_characters_in_the_tag_or_url():
    with pytest.raises(LabelError) as tag:
        render_zpl([LabelData("ESN^XZ", "http://x/i/1")], "roll-62x29")
    assert tag.value.render(FR) == (
        "Le numéro d'inventaire « ESN^XZ » contient un caractère refusé en ZPL (^, ~ ou >).")
    with pytest.raises(LabelError) as url:
        render_zpl([LabelData("ESN-00042-7", "http://x/~i")], "roll-62x29")
    assert url.value.render(FR) == (
        "L'adresse « http://x/~i » contient un caractère refusé en ZPL (^, ~ ou >).")


def test_zpl_accents_are_sent_as_utf8_hex():
    zpl = render_zpl([hostile_label("Écran « reçu »")], "roll-62x29")
    assert "_C3_89cran _C2_AB re_C3_A7u _C2_BB" in zpl


def test_zpl_is_only_for_rolls():
    with pytest.raises(LabelError) as error:
        render_zpl([hostile_label("x")], "a4-3x7")
    assert "choisissez un format « rouleau »" in error.value.render(FR)


@pytest.mark.parametrize("tag", ["", "ESN-00042-7\n", "ESN-0004é-7", "E" * 41])
def test_a_tag_that_cannot_be_encoded_is_refused(tag):
    with pytest.raises(LabelError) as error:
        render_pdf([LabelData(tag, "http://127.0.0.1:8000/i/x")], "a4-3x7")
    assert "ne peut pas être codé" in error.value.render(FR)


def test_progress_is_reported_after_each_page():
    calls = []
    labels = [hostile_label(str(i)) for i in range(50)]
    render_pdf(labels, "a4-3x7", start_at=20, progress=lambda done, total: calls.append(done))
    assert calls == [2, 23, 44, 50]


def test_the_async_render_runs_in_a_thread_while_the_loop_keeps_running():
    labels = [hostile_label(str(i)) for i in range(63)]
    ticks = []

    async def main():
        async def ticker():
            while True:
                ticks.append(1)
                await anyio.sleep(0.001)

        async with anyio.create_task_group() as group:
            group.start_soon(ticker)
            pdf = await render_pdf_async(labels, "a4-3x7")
            group.cancel_scope.cancel()
        return pdf

    pdf = anyio.run(main)
    assert pdf == render_pdf(labels, "a4-3x7")
    assert len(ticks) > 1


def test_the_same_labels_give_byte_identical_pdfs():
    labels = [hostile_label("x"), hostile_label("y")]
    assert render_pdf(labels, "a4-5x13") == render_pdf(labels, "a4-5x13")


def test_a_progress_callback_that_raises_cancels_the_render():
    class Cancelled(Exception):
        pass

    def cancel_after_first_page(done, total):
        raise Cancelled

    with pytest.raises(Cancelled):
        render_pdf([hostile_label(str(i)) for i in range(30)], "a4-3x7",
                   progress=cancel_after_first_page)
