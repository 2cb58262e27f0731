"""Label stock geometry: built-in sheets fit A4, positions, custom TOML layouts and errors."""

from __future__ import annotations

import pytest

from inventory.i18n import gettext_for
from labels import (
    LAYOUTS,
    LabelData,
    LabelError,
    Layout,
    LayoutError,
    load_layout,
    paginate,
    render_pdf,
)
from labels.compose import PAD, plan

FR, EN = gettext_for("fr"), gettext_for("en")
CUSTOM = """
name = "herma-4360"
title = "Herma 4360, 3 × 8"
page = "A4"
columns = 3
rows = 8
label_width = 70
label_height = 36
margin_top = 4.5
gap_x = 0
gap_y = 0
"""


def corners(layout: Layout):
    for position in range(1, layout.per_page + 1):
        x, y = layout.origin(position)
        yield x, y, x + layout.label_width, y + layout.label_height


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_label_of_a_built_in_layout_lies_inside_its_page(name):
    layout = LAYOUTS[name]
    for left, top, right, bottom in corners(layout):
        assert left >= 0 and top >= 0
        assert right <= layout.page_width + 1e-9 and bottom <= layout.page_height + 1e-9


@pytest.mark.parametrize(("name", "right_margin", "bottom_margin"), [
    ("a4-3x7", 7.3, 15.15), ("a4-2x7", 4.65, 15.15), ("a4-5x13", 4.75, 10.7),
])
def test_the_avery_sheets_have_their_published_margins_on_every_side(name, right_margin,
                                                                       bottom_margin):
    layout = LAYOUTS[name]
    *_, right, bottom = list(corners(layout))[-1]
    assert layout.page_width - right == pytest.approx(right_margin)
    assert layout.page_height - bottom == pytest.approx(bottom_margin)


def test_positions_run_left_to_right_then_top_to_bottom():
    layout = LAYOUTS["a4-3x7"]
    assert layout.origin(1) == pytest.approx((7.2, 15.15))
    assert layout.origin(2) == pytest.approx((7.2 + 63.5 + 2.5, 15.15))
    assert layout.origin(4) == pytest.approx((7.2, 15.15 + 38.1))
    assert layout.origin(21) == pytest.approx((7.2 + 2 * 66.0, 15.15 + 6 * 38.1))


@pytest.mark.parametrize("position", [0, 22, -1])
def test_a_start_position_off_the_sheet_is_refused_in_french(position):
    with pytest.raises(LayoutError) as error:
        render_pdf([], "a4-3x7", start_at=position)
    assert "positions 1 à 21" in error.value.render(FR)


def test_a_roll_always_starts_at_the_first_position():
    with pytest.raises(LayoutError):
        render_pdf([], "roll-62x29", start_at=2)


def test_pagination_fills_the_rest_of_a_half_used_sheet_first():
    assert paginate(5, 21, start_at=19) == [[19, 20, 21], [1, 2]]
    assert paginate(42, 21) == [list(range(1, 22)), list(range(1, 22))]
    assert paginate(0, 21) == [[]]


def test_thermal_rolls_print_one_label_per_page_the_size_of_the_label():
    pdf = render_pdf([LabelData(f"ESN-0000{i}-0", f"http://x/i/{i}") for i in range(3)],
                     "roll-57x32")
    import pymupdf

    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        assert len(document) == 3
        width, height = document[0].rect.width, document[0].rect.height
    assert (width * 25.4 / 72, height * 25.4 / 72) == pytest.approx((57, 32), abs=0.01)


@pytest.mark.parametrize("name", LAYOUTS)
def test_codes_and_text_stay_inside_the_label(name):
    layout = LAYOUTS[name]
    areas = plan(layout)
    for box in (areas.qr, areas.text, areas.bar):
        if box is not None:
            assert box.x >= 0 and box.y >= 0
            assert box.x + box.w <= layout.label_width + 1e-9
            assert box.y + box.h <= layout.label_height + 1e-9
    assert areas.text.x + areas.text.w <= layout.label_width - PAD + 1e-9


def test_a_custom_layout_is_read_from_toml():
    layout = load_layout(CUSTOM)
    assert (layout.columns, layout.rows, layout.per_page) == (3, 8, 24)
    assert (layout.page_width, layout.page_height) == (210, 297)
    assert layout.origin(24) == pytest.approx((140, 4.5 + 7 * 36))


def test_a_custom_layout_file_renders(tmp_path):
    path = tmp_path / "stock.toml"
    path.write_text(CUSTOM, encoding="utf-8")
    pdf = render_pdf([LabelData("ESN-00042-7", "http://127.0.0.1:8000/i/ESN-00042-7")],
                     load_layout(path))
    assert pdf.startswith(b"%PDF-")


@pytest.mark.parametrize(("change", "message"), [
    ("columns = 4", "colonnes dépassent la page en largeur"),
    ("rows = 9", "rangées dépassent la page en hauteur"),
    ("margin_top = 30", "rangées dépassent la page en hauteur"),
    ("gap_x = 1", "colonnes dépassent la page en largeur"),
    ("rows = 0", "rows doit être un entier positif"),
    ("label_width = -70", "label_width doit être un nombre positif"),
    ("gap_y = -1", "gap_y doit être un nombre ≥ 0"),
    ('rows = "8"', "rows doit être un entier positif"),
    ("colums = 3", "Clé(s) inconnue(s) dans le format d'étiquettes : colums"),
    ('page = "A3"', "Format de page inconnu"),
    ("barcode = 1", "barcode doit valoir true ou false"),
    ("rows = = 8", "illisible"),
])
def test_a_bad_custom_layout_is_refused_with_a_clear_french_message(change, message):
    key = change.split("=")[0].strip()
    lines = [line for line in CUSTOM.splitlines() if not line.startswith(key + " ")]
    with pytest.raises(LayoutError) as error:
        load_layout("\n".join([*lines, change]))
    assert message in error.value.render(FR)


def test_a_missing_key_is_named():
    text = "\n".join(line for line in CUSTOM.splitlines() if not line.startswith("rows"))
    with pytest.raises(LayoutError) as error:
        load_layout(text)
    assert error.value.render(FR) == "Clé(s) manquante(s) dans le format d'étiquettes : rows."


def test_a_custom_layout_that_forces_an_unreadable_barcode_is_refused():
    narrow = load_layout(CUSTOM.replace("label_width = 70", "label_width = 30") + "barcode = true")
    with pytest.raises(LayoutError) as error:
        render_pdf([LabelData("ESN-00042-7", "http://x/i/ESN-00042-7")], narrow)
    assert "code-barres ne tient pas" in error.value.render(FR)


def test_a_label_too_small_for_a_readable_qr_code_is_refused():
    tiny = load_layout(CUSTOM.replace("label_width = 70", "label_width = 20")
                       .replace("label_height = 36", "label_height = 10"))
    with pytest.raises(LabelError) as error:
        render_pdf([LabelData("ESN-00042-7", "https://inventaire.esn-aubiers.fr/i/ESN-00042-7")],
                   tiny)
    assert error.value.render(FR).startswith("QR code illisible : modules de 0.")


def test_an_unknown_layout_name_lists_the_known_ones():
    with pytest.raises(LayoutError, match="a4-3x7"):
        render_pdf([], "a4-4x10")


def test_a_layout_error_is_english_in_str_and_french_or_english_when_rendered():
    with pytest.raises(LayoutError) as error:
        load_layout(CUSTOM.replace("columns = 3", "columns = 4"))
    french = ("« Herma 4360, 3 × 8 » : les 4 colonnes dépassent la page en largeur "
              "(280.00 mm pour une page de 210 mm).")
    english = ("“Herma 4360, 3 × 8”: the 4 columns run off the page in width (280.00 mm for "
               "a page of 210 mm).")
    assert error.value.render(FR) == french
    assert error.value.render(EN) == str(error.value) == english
    assert error.value.params["size"] == "280.00"


def test_every_label_error_is_raised_with_a_catalogue_message_id_not_a_built_string():
    import ast
    from pathlib import Path

    import labels

    built = []
    for path in Path(labels.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("LabelError", "LayoutError") and node.args
                    and isinstance(node.args[0], ast.JoinedStr | ast.Constant | ast.BinOp)):
                built.append(f"{path.name}:{node.lineno}")
    assert built == [], "pass N_(\"English text\") and params: " + ", ".join(built)
