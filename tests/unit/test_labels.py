"""Every printed label scans: render, rasterise like a printer, read back with zxing-cpp."""

from __future__ import annotations

import pytest

from inventory.domain.tags import encode
from inventory.i18n import gettext_for
from labels import LAYOUTS, LabelData, LabelError, load_layout, render_pdf, render_svg
from labels.codes import QR_ERROR_LEVELS, qr_matrix, qr_symbol
from tests.unit.labels_scan import rasterise_svg, read_labels, read_pixmap

QR, CODE128 = "QRCode", "Code128"
SHEETS = [name for name, layout in LAYOUTS.items() if not layout.is_roll]
ROLLS = [name for name, layout in LAYOUTS.items() if layout.is_roll]
BASES = (
    "https://inventaire.esn-aubiers.fr/i/",
    "http://127.0.0.1:8000/i/",
    "https://prets.association-solidarite-numerique-des-aubiers.fr/inventaire/i/",
)


def a_label(index: int) -> LabelData:
    """A realistic label; tags and URL lengths vary with the index."""
    tag = encode("ESN", [42, 7, 123456, 99999, 1, 20815][index % 6] + 1000 * (index // 6))
    return LabelData(
        tag=tag,
        url=BASES[index % 3] + tag,
        kind="Ordinateur portable",
        model="Lenovo ThinkPad T480 (reconditionné, grade A)",
        site="Espace de solidarité numérique des Aubiers",
        association="Les Aubiers connectés",
    )


def expected(label: LabelData, with_barcode: bool) -> list[tuple[str, str]]:
    codes = [(QR, label.url)] + ([(CODE128, label.tag)] if with_barcode else [])
    return sorted(codes)


def found(reads) -> list[tuple[str, str]]:
    return sorted((read.format.replace(" ", ""), read.text) for read in reads)


@pytest.mark.parametrize("name", SHEETS)
def test_every_label_of_a_full_sheet_scans_at_300_dpi(name):
    layout = LAYOUTS[name]
    labels = [a_label(i) for i in range(layout.per_page)]
    pages = read_labels(render_pdf(labels, layout), layout, dpi=300)
    with_barcode = name != "a4-5x13"
    assert len(pages) == 1
    for position, label in enumerate(labels, start=1):
        assert found(pages[0][position]) == expected(label, with_barcode), position


@pytest.mark.parametrize(("columns", "rows", "width", "height", "gap"), [
    (3, 8, 70.0, 36.0, 0.0),  # Herma 4360-like, no gaps
    (4, 4, 50.0, 70.0, 3.0),  # portrait
    (3, 5, 50.0, 50.0, 10.0),  # square
])
def test_every_label_of_a_custom_sheet_scans(columns, rows, width, height, gap):
    layout = load_layout(
        f'page = "A4"\ncolumns = {columns}\nrows = {rows}\nlabel_width = {width}\n'
        f"label_height = {height}\nmargin_top = 2\nmargin_left = 0\ngap_x = {gap}\n"
    )
    labels = [a_label(i) for i in range(layout.per_page)]
    [page] = read_labels(render_pdf(labels, layout), layout, dpi=300)
    for position, label in enumerate(labels, start=1):
        assert found(page[position]) == expected(label, True), position


def test_the_smallest_stock_has_no_barcode_because_it_cannot_scan_there():
    from labels.compose import plan

    assert plan(LAYOUTS["a4-5x13"]).bar is None
    assert all(plan(LAYOUTS[name]).bar is not None for name in SHEETS if name != "a4-5x13")


@pytest.mark.parametrize("name", ROLLS)
@pytest.mark.parametrize("dpi", [203, 300])
def test_every_thermal_label_scans(name, dpi):
    layout = LAYOUTS[name]
    labels = [a_label(i) for i in range(3)]
    pages = read_labels(render_pdf(labels, layout), layout, dpi=dpi)
    assert len(pages) == 3
    for page, label in zip(pages, labels, strict=True):
        assert found(page[1]) == expected(label, True)


def test_start_at_leaves_the_used_positions_empty_and_fills_the_next_page():
    layout = LAYOUTS["a4-3x7"]
    labels = [a_label(i) for i in range(5)]
    pages = read_labels(render_pdf(labels, layout, start_at=19), layout, dpi=300)
    assert len(pages) == 2
    assert all(pages[0][position] == [] for position in range(1, 19))
    assert [found(pages[0][p]) for p in (19, 20, 21)] == [expected(lab, True) for lab in labels[:3]]
    assert [found(pages[1][p]) for p in (1, 2)] == [expected(lab, True) for lab in labels[3:]]
    assert all(pages[1][position] == [] for position in range(3, 22))
    total = sum(len(reads) for page in pages for reads in page.values())
    assert total == 2 * len(labels)


def test_a_long_url_still_scans_on_the_smallest_stock():
    layout = LAYOUTS["a4-5x13"]
    tag = encode("ESN", 123456789)
    url = "https://prets.association-solidarite-numerique-des-aubiers.fr/inventaire/objet/" + tag
    pages = read_labels(render_pdf([LabelData(tag, url)], layout), layout, dpi=300)
    assert found(pages[0][1]) == [(QR, url)]


def test_a_tag_too_long_for_a_readable_barcode_is_refused_in_french():
    tag = encode("ABCDEF", 999999999)
    with pytest.raises(LabelError) as error:
        render_pdf([LabelData(tag, "http://127.0.0.1:8000/i/" + tag)], "roll-50x25")
    assert "trop long" in error.value.render(gettext_for("fr"))


def test_the_svg_label_scans_and_is_well_formed_xml():
    from xml.etree import ElementTree

    label = a_label(0)
    svg = render_svg(label)
    ElementTree.fromstring(svg.encode("utf-8"))
    assert found(read_pixmap(rasterise_svg(svg))) == expected(label, True)


@pytest.mark.parametrize("url", [a_label(i).url for i in range(3)])
def test_the_merged_rectangles_cover_exactly_the_dark_modules_of_the_matrix(url):
    symbol = qr_symbol(url)
    drawn = [[0] * symbol.width for _ in range(symbol.height)]
    for x, y, w, h in symbol.rects:
        for row in range(y, y + h):
            for column in range(x, x + w):
                drawn[row][column] += 1
    dark = [[int(module) for module in row] for row in qr_matrix(url)]
    assert drawn == dark
    assert len(symbol.rects) < sum(map(sum, dark)) / 2


@pytest.mark.parametrize("level", QR_ERROR_LEVELS)
def test_a_fixed_mask_qr_code_scans_at_each_error_level(level):
    url = a_label(2).url
    symbol = qr_symbol(url, level)
    side = symbol.width + 8
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{side * 2}mm" height="{side * 2}mm" '
           f'viewBox="-4 -4 {side} {side}"><rect x="-4" y="-4" width="{side}" height="{side}" '
           'fill="#fff"/>'
           + "".join(f'<rect x="{x}" y="{y}" width="{w}" height="{h}"/>'
                     for x, y, w, h in symbol.rects) + "</svg>")
    assert found(read_pixmap(rasterise_svg(svg))) == [(QR, url)]


def test_a_qr_code_depends_only_on_its_own_url():
    first, other = a_label(0).url, a_label(1).url
    alone = qr_symbol(first)
    qr_symbol(other, "L")
    assert qr_symbol(first) == alone
    assert qr_symbol(other) != alone
