"""Asset tags (n° d'inventaire): a letter prefix, a number and a Damm check digit.

Canonical form: ``ESN-00042-7``. The Damm check digit catches every single wrong digit and
every swap of two adjacent digits (check digit included); a wrong or swapped prefix letter is
caught because the prefix must match the configured one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inventory.domain.errors import InvalidTag

# Damm's totally anti-symmetric quasigroup of order 10 (H. M. Damm, 2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

MIN_DIGITS = 5
MAX_NUMBER = 10**9 - 1
PREFIX_RE = re.compile(r"^[A-Z]{1,6}$")
# A USB scanner set up for a US keyboard but plugged into a French AZERTY one types the
# unshifted digit row: "é" for 2, "à" for 0 and ")" for "-". We read those back.
_AZERTY = str.maketrans("&é\"'(§è!çà)-_", "1234567890---")
_SHAPE = re.compile(r"^([A-Z]{1,6})(\d{2,10})$")


def damm_digit(digits: str) -> int:
    """The Damm check digit of a string of decimal digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return interim


@dataclass(frozen=True, slots=True)
class AssetTag:
    """A decoded asset tag."""

    prefix: str
    number: int

    def __str__(self) -> str:
        return encode(self.prefix, self.number)


def validate_prefix(prefix: str) -> str:
    """Return the prefix if it is 1 to 6 capital letters, else raise InvalidTag."""
    if not PREFIX_RE.match(prefix):
        raise InvalidTag("prefix", prefix=prefix)
    return prefix


def encode(prefix: str, number: int) -> str:
    """Canonical tag for ``number``: ``PREFIX-NNNNN-C``."""
    validate_prefix(prefix)
    if not 1 <= number <= MAX_NUMBER:
        raise InvalidTag("number", number=number)
    body = f"{number:0{MIN_DIGITS}d}"
    return f"{prefix}-{body}-{damm_digit(body)}"


def normalise(text: str) -> str:
    """Upper-case, read AZERTY digits back, and drop spaces, dashes, dots and underscores."""
    cleaned = text.strip().lower().translate(_AZERTY).upper()
    return "".join(ch for ch in cleaned if ch not in " -._\t")


def decode(text: str, prefix: str) -> AssetTag:
    """Parse what a person typed or a scanner sent; raise InvalidTag when it is not a tag."""
    if len(text) > 64:
        raise InvalidTag("shape")
    match = _SHAPE.match(normalise(text))
    if not match:
        raise InvalidTag("shape")
    got_prefix, digits = match.groups()
    if got_prefix != prefix:
        raise InvalidTag("other_prefix", prefix=prefix)
    body, check = digits[:-1], digits[-1]
    if len(body) < MIN_DIGITS or damm_digit(body) != int(check):
        raise InvalidTag("check")
    number = int(body)
    if not 1 <= number <= MAX_NUMBER:
        raise InvalidTag("check")
    return AssetTag(prefix, number)
