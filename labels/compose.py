"""Where things go on one label: the QR square, the text block and the barcode strip.

Lengths are millimetres from the label's top-left corner. Codes are sized in whole printer
dots (1/300 in on sheets, 1/203 in on thermal rolls) so every module prints the same width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from labels import text
from labels.codes import CODE128_QUIET, QR_ERROR_LEVELS, QR_QUIET, Symbol, qr_symbol
from labels.layouts import Layout
from labels.model import LabelData, LabelError, LayoutError, N_

MM = 72 / 25.4  # points per millimetre
PAD = 1.5  # printers shift labels by up to ~1 mm: no ink this close to an edge
BAR_MIN_MODULE = 0.25  # mm; thinner Code 128 bars defeat ordinary USB scanners
BAR_MAX_MODULE = 0.5
BAR_REFERENCE_MODULES = 156 + 2 * CODE128_QUIET  # "ESN-00042-7" with its quiet zones
QR_MIN_MODULE = 0.3  # mm; below this, tablet cameras hunt for focus
TEXT_MIN_WIDTH = 20.0  # mm; a narrower text column only holds the tag
_BARCODE_TOO_SMALL = N_("“{title}”: the barcode does not fit at a readable size.")


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in mm: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class Plan:
    """The areas of a label: QR square (quiet zone inside), text block, barcode strip."""

    qr: Box
    text: Box
    bar: Box | None
    details: bool


@dataclass(frozen=True, slots=True)
class Line:
    """A line of text: cp1252 bytes, size in points, bold or not, baseline offset in mm."""

    data: bytes
    size: float
    bold: bool
    x: float
    baseline: float


@dataclass(frozen=True, slots=True)
class Placed:
    """A symbol placed on the page: top-left corner and module size in mm."""

    symbol: Symbol
    x: float
    y: float
    module: float
    height: float


def plan(layout: Layout) -> Plan:
    """The areas of every label of this layout."""
    w, h = layout.label_width, layout.label_height
    bar_h = min(max(0.28 * h, 6.0), 10.0)
    needed = BAR_REFERENCE_MODULES * BAR_MIN_MODULE
    if h > 0.8 * w:
        return _portrait(layout, bar_h, w - 2 * PAD >= needed)
    column = w - h - PAD
    if layout.barcode is not False and column >= needed:
        qr = Box(0, 0, h, h)
        text_box = Box(h, PAD, column, h - 2 * PAD - bar_h)
        return Plan(qr, text_box, Box(h, h - PAD - bar_h, column, bar_h), True)
    side = h - PAD - bar_h
    if layout.barcode is not False and w - 2 * PAD >= needed and side >= 12:
        text_box = Box(side, PAD, w - side - PAD, side - PAD)
        return Plan(Box(0, 0, side, side), text_box, Box(PAD, side, w - 2 * PAD, bar_h), True)
    if layout.barcode:
        raise LayoutError(_BARCODE_TOO_SMALL, title=layout.title)
    text_box = Box(h, PAD, w - h - PAD, h - 2 * PAD)
    return Plan(Box(0, 0, h, h), text_box, None, text_box.w >= TEXT_MIN_WIDTH)


def _portrait(layout: Layout, bar_h: float, bar_fits: bool) -> Plan:
    """QR on top, text below, barcode at the bottom (square or tall labels)."""
    w, h = layout.label_width, layout.label_height
    with_bar = layout.barcode is not False and bar_fits
    if layout.barcode and not with_bar:
        raise LayoutError(_BARCODE_TOO_SMALL, title=layout.title)
    bottom = h - PAD - (bar_h if with_bar else 0)
    side = min(w, 0.62 * bottom)
    text_box = Box(PAD, side, w - 2 * PAD, bottom - side)
    bar = Box(PAD, bottom, w - 2 * PAD, bar_h) if with_bar else None
    return Plan(Box((w - side) / 2, 0, side, side), text_box, bar, w - 2 * PAD >= TEXT_MIN_WIDTH)


def qr_module_dots(side: float, modules: int, dpi: int) -> int:
    """Whole dots per QR module in a square of side mm: 4-module quiet zone, else 2."""
    dot = 25.4 / dpi
    for quiet in (QR_QUIET, 2):
        dots = math.floor(side / ((modules + 2 * quiet) * dot))
        if dots * dot >= QR_MIN_MODULE:
            return dots
    raise LabelError(N_("Unreadable QR code: {size} mm modules on this label."),
                     size=f"{dots * dot:.2f}")


def place_qr(url: str, box: Box, origin: tuple[float, float], dpi: int) -> Placed:
    """The URL's QR centred in its box, with whole-dot modules; level L if M is too small."""
    dot = 25.4 / dpi
    for level in QR_ERROR_LEVELS:
        symbol = qr_symbol(url, level)
        try:
            module = qr_module_dots(box.w, symbol.width, dpi) * dot
            break
        except LabelError:
            if level == QR_ERROR_LEVELS[-1]:
                raise
    side = symbol.width * module
    x = _snap(origin[0] + box.x + (box.w - side) / 2, dot)
    y = _snap(origin[1] + box.y + (box.h - side) / 2, dot)
    return Placed(symbol, x, y, module, side)


def place_bars(symbol: Symbol, box: Box, origin: tuple[float, float], dpi: int) -> Placed:
    """The Code 128 centred in its strip, whole-dot modules, 10-module quiet zones inside."""
    dot = 25.4 / dpi
    total = symbol.width + 2 * CODE128_QUIET
    module = min(math.floor(box.w / (total * dot)), math.floor(BAR_MAX_MODULE / dot)) * dot
    if module < BAR_MIN_MODULE - 1e-9:
        raise LabelError(
            N_("The barcode is too long for the label ({modules} modules on {width} mm)."),
            modules=total, width=f"{box.w:.1f}",
        )
    x = _snap(origin[0] + box.x + (box.w - symbol.width * module) / 2, dot)
    y = _snap(origin[1] + box.y + 0.8, dot)
    return Placed(symbol, x, y, module, box.h - 0.8)


def _snap(value: float, dot: float) -> float:
    return round(value / dot) * dot


def text_lines(label: LabelData, box: Box, details: bool) -> list[Line]:
    """The lines of text that fit the box, by priority, vertically centred."""
    wanted = _wanted(label, box, details)
    while sum(size * 1.2 for _, size, _, _ in wanted) > box.h * MM:
        wanted.remove(max(wanted, key=lambda item: item[3]))
    wanted = _grow_details(wanted, box)
    top = box.y + (box.h - sum(size * 1.2 for _, size, _, _ in wanted) / MM) / 2
    lines = []
    for value, size, bold, _ in wanted:
        data = text.shorten(text.winansi(value), size, box.w * MM, bold)
        lines.append(Line(data, size, bold, box.x, top + size * 0.93 / MM))
        top += size * 1.2 / MM
    return lines


def _grow_details(wanted: list, box: Box) -> list:
    """Detail lines up to 30 % larger where the box has room: easier to read, never cut more."""
    tag = sum(size * 1.2 for _, size, _, priority in wanted if priority == 0)
    details = sum(size * 1.2 for _, size, _, priority in wanted if priority != 0)
    grow = min(1.3, (box.h * MM - tag) / details) if details else 1.0
    if grow <= 1:
        return wanted
    grown = []
    for value, size, bold, priority in wanted:
        if priority != 0:
            natural = text.width(text.winansi(value), size, bold)
            size *= max(1.0, min(grow, box.w * MM / max(natural, 1e-6)))
        grown.append((value, size, bold, priority))
    return grown


def _wanted(label: LabelData, box: Box, details: bool) -> list[tuple[str, float, bool, int]]:
    """(text, size, bold, priority) of each line; 0 is the tag, the last to go."""
    tag_lines = _tag_lines(label.tag, box, split=not details)
    if not details:
        return tag_lines
    wanted = [(label.association, 6.5, False, 3), *tag_lines, (label.kind, 7.5, False, 1),
              (label.model, 7.5, False, 2), (label.site, 6.5, False, 4)]
    return [item for item in wanted if text.clean(item[0])]


def _tag_lines(tag: str, box: Box, split: bool) -> list[tuple[str, float, bool, int]]:
    """The tag in bold as large as fits; on a tag-only label, over two lines if larger."""
    width, height = box.w * MM, box.h * MM
    size = min(16.0, height / 1.25, width / max(text.width(text.winansi(tag), 1, True), 1e-6))
    head, dash, rest = tag.partition("-")
    if split and dash and rest:
        parts = [head + dash, rest]
        widest = max(text.width(text.winansi(part), 1, True) for part in parts)
        two = min(16.0, height / 2.5, width / widest)
        if two > size * 1.2:
            return [(part, two, True, 0) for part in parts]
    if size < 5:
        raise LabelError(N_("The tag “{tag}” does not fit on the label."), tag=tag)
    return [(tag, size, True, 0)]
