"""QR and Code 128 symbols as rectangles in module units, ready to draw as vectors.

The QR matrix comes from qrcode with a fixed mask: its automatic choice builds the code eight
times to score each mask, 2 to 6 ms a code here, which alone would use up the 3 s budget for
1,000 labels. Code 128 comes from python-barcode, which switches code sets A/B/C to keep the
symbol short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import barcode
import qrcode
from qrcode.constants import ERROR_CORRECT_L, ERROR_CORRECT_M

from labels.model import LabelError, N_

# Level M (15 % recoverable) keeps a 50-character URL at version 4 (33×33 modules), big
# enough modules on 21 mm labels, and survives a scratch or a smudge; Q would need version 5.
# A long URL on a small label falls back to L rather than to modules too small to scan.
QR_ERROR_LEVELS = ("M", "L")
_QR_LEVEL_BITS = {"M": ERROR_CORRECT_M, "L": ERROR_CORRECT_L}
# Every mask gives a valid code; the automatic choice only lowers a penalty score (big blocks,
# long runs, finder-like patterns). Over 255 item URLs mask 2 scored best in 60 % of cases
# and on average within 3 % (M) or 6 % (L) of the best mask, the next mask 15 % above it.
QR_MASK = 2
QR_QUIET = 4
CODE128_QUIET = 10
MAX_URL = 300
MAX_TAG = 40
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")
_DARK_RUN = re.compile(rb"\x01+")
_BAR_RUN = re.compile(r"1+")
# What check_text refuses, by field: "url" (the QR code) or "tag" (the Code 128).
_CANNOT_ENCODE = {
    "url": N_("The address “{value}” cannot be encoded: it needs 1 to {longest} printable "
              "ASCII characters."),
    "tag": N_("The asset tag “{value}” cannot be encoded: it needs 1 to {longest} printable "
              "ASCII characters."),
}


@dataclass(frozen=True, slots=True)
class Symbol:
    """A code as dark rectangles (x, y, w, h) in modules, without its quiet zone."""

    width: int
    height: int
    rects: tuple[tuple[int, int, int, int], ...]


def check_text(value: str, field: str, longest: int) -> str:
    """The value if it is printable ASCII of at most `longest` characters, else LabelError."""
    if not value or len(value) > longest or not _PRINTABLE_ASCII.fullmatch(value):
        raise LabelError(_CANNOT_ENCODE[field], value=value[:60], longest=longest)
    return value


def qr_symbol(url: str, level: str = "M") -> Symbol:
    """The QR code of the URL at an error-correction level, adjacent dark modules merged."""
    matrix = qr_matrix(url, level)
    rows = [[(m.start(), m.end() - m.start()) for m in _DARK_RUN.finditer(bytes(row))]
            for row in matrix]
    return Symbol(len(matrix), len(matrix), merge_rows(rows))


def qr_matrix(url: str, level: str = "M") -> list[list[bool]]:
    """The QR modules of the URL, True for dark, without quiet zone; a new code every call."""
    check_text(url, "url", MAX_URL)
    code = qrcode.QRCode(version=None, error_correction=_QR_LEVEL_BITS[level], box_size=1,
                         border=0, mask_pattern=QR_MASK)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def merge_rows(rows: list[list[tuple[int, int]]]) -> tuple[tuple[int, int, int, int], ...]:
    """Rectangles covering dark runs (x, width) per row, equal runs of next rows merged."""
    rects = []
    open_runs: dict[tuple[int, int], int] = {}
    for y, row in enumerate([*rows, []]):
        current = set(row)
        for run in [run for run in open_runs if run not in current]:
            top = open_runs.pop(run)
            rects.append((run[0], top, run[1], y - top))
        for run in row:
            open_runs.setdefault(run, y)
    return tuple(rects)


def code128_modules(tag: str) -> str:
    """The Code 128 of the tag (checksum and stop included) as a string of 1 (bar) and 0."""
    check_text(tag, "tag", MAX_TAG)
    return barcode.get("code128", tag).build()[0]


def code128_symbol(tag: str) -> Symbol:
    """The Code 128 of the tag as bars (x, 0, width, 1) in modules."""
    modules = code128_modules(tag)
    bars = tuple((m.start(), 0, m.end() - m.start(), 1) for m in _BAR_RUN.finditer(modules))
    return Symbol(len(modules), 1, bars)
