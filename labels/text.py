"""Label text in the PDF standard fonts: WinAnsi encoding, measuring, shortening to fit.

Helvetica with WinAnsiEncoding is in every PDF reader and printer and covers French (é è ç
œ « » …), so nothing is embedded and nothing is read at render time. Characters outside
WinAnsi lose their accents (ő → o) or become "?", never an error.
"""

from __future__ import annotations

import re
import unicodedata

from labels._helvetica import BOLD, REGULAR

ELLIPSIS = b"\x85"  # "…" in cp1252
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """Text on one line: control characters dropped, runs of white space made one space."""
    if not (text.isprintable() and "  " not in text):
        text = _SPACES.sub(" ", text)
        text = "".join(ch for ch in text if ch.isprintable())
    return text.strip()


def winansi(text: str) -> bytes:
    """The text cleaned and encoded to cp1252, approximating what cp1252 lacks."""
    text = clean(text)
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        return b"".join(_char_to_cp1252(ch) for ch in text)


def _char_to_cp1252(ch: str) -> bytes:
    try:
        return ch.encode("cp1252")
    except UnicodeEncodeError:
        base = unicodedata.normalize("NFKD", ch).encode("cp1252", "ignore")
        return base or b"?"


def width(data: bytes, size: float, bold: bool = False) -> float:
    """Width in points of cp1252 bytes set in Helvetica (or Helvetica-Bold) at size points."""
    table = BOLD if bold else REGULAR
    return sum(table[b - 32] for b in data if b >= 32) * size / 1000


def shorten(data: bytes, size: float, max_width: float, bold: bool = False) -> bytes:
    """The bytes if they fit max_width points, else the longest prefix that fits, plus "…"."""
    if width(data, size, bold) <= max_width:
        return data
    table = BOLD if bold else REGULAR
    budget = max_width * 1000 / size - table[ELLIPSIS[0] - 32]
    used = 0
    for end, byte in enumerate(data):
        used += table[byte - 32]
        if used > budget:
            return data[:end].rstrip() + ELLIPSIS if end else b""
    return data


def pdf_string(data: bytes) -> str:
    """A PDF hex string: no byte of the text can end the string or inject an operator."""
    return "<" + data.hex() + ">"
