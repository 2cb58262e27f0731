"""Label sheets and rolls as PDF, drawn straight into the page: rectangles and standard fonts.

No HTML layout is involved, so a sheet takes milliseconds: the QR modules and Code 128 bars
are filled rectangles in module units under one scaling matrix, text is Helvetica in WinAnsi.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

import pydyf

from labels import compose
from labels.codes import code128_symbol
from labels.compose import MM, Placed
from labels.layouts import Layout
from labels.model import LabelData, LayoutError, N_
from labels.text import pdf_string

Progress = Callable[[int, int], None]


def render_pdf(
    labels: Sequence[LabelData],
    layout: Layout,
    start_at: int = 1,
    progress: Progress | None = None,
) -> bytes:
    """A PDF of the labels on the layout's pages, the first one placed at position start_at."""
    layout.origin(start_at)  # validates the position
    if layout.is_roll and start_at != 1:
        raise LayoutError(N_("On a roll, printing always starts at position 1."))
    plan = compose.plan(layout)
    document = pydyf.PDF()
    document.info["Producer"] = pydyf.String("inventaire labels")
    resources = _resources(document)
    items = iter(labels)
    done = 0
    for positions in paginate(len(labels), layout.per_page, start_at):
        content = "\n".join(
            _label_ops(next(items), layout, plan, position) for position in positions
        )
        _add_page(document, layout, resources, content)
        done += len(positions)
        if progress is not None:
            progress(done, len(labels))
    output = _Buffer()
    document.write(output, version=b"1.7", identifier=False, compress=False)
    return output.value()


def _resources(document: pydyf.PDF) -> pydyf.Dictionary:
    fonts = {}
    for key, base in (("F1", "Helvetica"), ("F2", "Helvetica-Bold")):
        font = pydyf.Dictionary({
            "Type": "/Font", "Subtype": "/Type1",
            "BaseFont": f"/{base}", "Encoding": "/WinAnsiEncoding",
        })
        document.add_object(font)
        fonts[key] = font.reference
    resources = pydyf.Dictionary({"Font": pydyf.Dictionary(fonts)})
    document.add_object(resources)
    return resources


def _add_page(document: pydyf.PDF, layout: Layout, resources: pydyf.Dictionary,
              content: str) -> None:
    data = zlib.compress(content.encode("ascii"), 6)
    stream = pydyf.Stream([data], extra={"Filter": "/FlateDecode"})
    document.add_object(stream)
    width, height = layout.page_width * MM, layout.page_height * MM
    document.add_page(pydyf.Dictionary({
        "Type": "/Page",
        "Parent": document.pages.reference,
        "MediaBox": pydyf.Array([0, 0, round(width, 3), round(height, 3)]),
        "Contents": stream.reference,
        "Resources": resources.reference,
    }))


def _label_ops(label: LabelData, layout: Layout, plan: compose.Plan, position: int) -> str:
    """Content-stream operators drawing one label at a position of the page."""
    origin = layout.origin(position)
    page_h = layout.page_height
    qr = compose.place_qr(label.url, plan.qr, origin, layout.dpi)
    ops = [_symbol_ops(qr, page_h, qr.module)]
    if plan.bar is not None:
        bars = compose.place_bars(code128_symbol(label.tag), plan.bar, origin, layout.dpi)
        ops.append(_symbol_ops(bars, page_h, bars.height))
    box = compose.Box(origin[0] + plan.text.x, origin[1] + plan.text.y, plan.text.w, plan.text.h)
    ops.append("BT")
    for line in compose.text_lines(label, box, plan.details):
        font = "/F2" if line.bold else "/F1"
        x, y = line.x * MM, (page_h - line.baseline) * MM
        text = pdf_string(line.data)
        ops.append(f"{font} {line.size:.2f} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm {text} Tj")
    ops.append("ET")
    return "\n".join(ops)


def _symbol_ops(placed: Placed, page_h: float, unit_height: float) -> str:
    """Rectangles of a symbol in module units under a matrix scaling them to the page."""
    sx, sy = placed.module * MM, unit_height * MM
    x, y = placed.x * MM, (page_h - placed.y) * MM
    rects = " ".join(f"{a} {b} {c} {d} re" for a, b, c, d in placed.symbol.rects)
    return f"q {sx:.5f} 0 0 {-sy:.5f} {x:.4f} {y:.4f} cm {rects} f Q"


def paginate(count: int, per_page: int, start_at: int = 1) -> list[list[int]]:
    """The positions used on each page for count labels, the first at start_at."""
    pages: list[list[int]] = [[]]
    position = start_at
    for _ in range(count):
        if position > per_page:
            pages.append([])
            position = 1
        pages[-1].append(position)
        position += 1
    return pages


class _Buffer:
    """A minimal binary sink for pydyf that joins its writes once."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def value(self) -> bytes:
        return b"".join(self.parts)
