"""Test helper: rasterise label PDFs like a printer would and read every code back."""

from __future__ import annotations

from dataclasses import dataclass

import pymupdf
import zxingcpp

from labels import Layout

FORMATS = (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128)


@dataclass(frozen=True)
class Read:
    """A code read back: its symbology and text."""

    format: str
    text: str


def read_pixmap(pixmap: pymupdf.Pixmap, x: int = 0, y: int = 0, w: int | None = None,
                h: int | None = None) -> list[Read]:
    """Every QR and Code 128 in a grey pixmap, or in the region (x, y, w, h) of it, in pixels."""
    w = pixmap.width - x if w is None else min(w, pixmap.width - x)
    h = pixmap.height - y if h is None else min(h, pixmap.height - y)
    buffer = pixmap.samples_mv[y * pixmap.stride + x:]
    view = zxingcpp.ImageView(buffer, w, h, zxingcpp.ImageFormat.Lum, pixmap.stride)
    return [Read(str(code.format), code.text) for code in zxingcpp.read_barcodes(view, FORMATS)]


def read_labels(pdf: bytes, layout: Layout, dpi: int) -> list[dict[int, list[Read]]]:
    """Per page, the codes read in each label position's own rectangle."""
    pages = []
    scale = dpi / 25.4
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        for page in document:
            pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
            found = {}
            for position in range(1, layout.per_page + 1):
                left, top = layout.origin(position)
                found[position] = read_pixmap(
                    pixmap, round(left * scale), round(top * scale),
                    round(layout.label_width * scale), round(layout.label_height * scale),
                )
            pages.append(found)
    return pages


def page_text(pdf: bytes) -> list[str]:
    """The text PyMuPDF extracts from each page."""
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        return [page.get_text() for page in document]


def rasterise_svg(svg: str, dpi: int = 300) -> pymupdf.Pixmap:
    """The SVG drawn in grey at dpi."""
    with pymupdf.open(stream=svg.encode("utf-8"), filetype="svg") as document:
        return document[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
