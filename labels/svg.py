"""One label as a standalone SVG: QR and Code 128 as vector paths, text XML-escaped."""

from __future__ import annotations

from xml.sax.saxutils import escape

from labels import compose
from labels.codes import Symbol, code128_symbol
from labels.layouts import Layout
from labels.model import LabelData

_FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif"


def render_svg(label: LabelData, layout: Layout) -> str:
    """The label at the layout's label size, in millimetres (viewBox units are mm)."""
    w, h = layout.label_width, layout.label_height
    plan = compose.plan(layout)
    qr = compose.place_qr(label.url, plan.qr, (0, 0), layout.dpi)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:g}mm" height="{h:g}mm" '
        f'viewBox="0 0 {w:g} {h:g}" shape-rendering="crispEdges">',
        f'<rect width="{w:g}" height="{h:g}" fill="#fff"/>',
        _path(qr.symbol, qr.x, qr.y, qr.module, qr.module),
    ]
    if plan.bar is not None:
        bars = compose.place_bars(code128_symbol(label.tag), plan.bar, (0, 0), layout.dpi)
        parts.append(_path(bars.symbol, bars.x, bars.y, bars.module, bars.height))
    for line in compose.text_lines(label, plan.text, plan.details):
        weight = ' font-weight="bold"' if line.bold else ""
        size = line.size / compose.MM
        value = escape(line.data.decode("cp1252"))
        parts.append(
            f'<text x="{line.x:.3f}" y="{line.baseline:.3f}" font-family="{_FONT}" '
            f'font-size="{size:.3f}"{weight}>{value}</text>'
        )
    parts.append("</svg>\n")
    return "\n".join(parts)


def _path(symbol: Symbol, x: float, y: float, sx: float, sy: float) -> str:
    """One path of the symbol's rectangles, drawn in module units and scaled to mm."""
    d = "".join(f"M{a} {b}h{c}v{e}h-{c}z" for a, b, c, e in symbol.rects)
    return f'<path transform="translate({x:.4f} {y:.4f}) scale({sx:.5f} {sy:.5f})" d="{d}"/>'
