"""Scan resolution: turn whatever a scanner or camera produced into a canonical asset tag.

Accepted: the QR URL of an item (``…/i/ESN-00042-7``, any host, with or without a query
string), a bare tag in any case with or without dashes or spaces, the Code 128 payload (the
tag itself), surrounded by whitespace or a scanner's stray control characters.
"""

from __future__ import annotations

import re
import unicodedata

from inventory.domain.errors import InvalidTag
from inventory.domain.tags import decode

MAX_SCAN_LENGTH = 512
ITEM_PATH = "/i/"
_URL_TAG = re.compile(r"/i/([^/?#\s]{1,40})")


def item_url(base_url: str, tag: str) -> str:
    """The URL printed in an item's QR code."""
    return f"{base_url.rstrip('/')}{ITEM_PATH}{tag}"


def _printable(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")


def resolve_code(raw: str, prefix: str) -> str:
    """The canonical tag in ``raw``; raise InvalidTag when nothing in it is a tag."""
    if len(raw) > MAX_SCAN_LENGTH:
        raise InvalidTag("shape")
    text = _printable(raw).strip()
    match = _URL_TAG.search(text)
    if match:
        text = match.group(1)
    return str(decode(text, prefix))
