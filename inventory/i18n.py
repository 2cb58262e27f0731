"""Translation catalogues (French first, English second), read from the .po files with Babel."""

from __future__ import annotations

import io
from datetime import date
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"


@cache
def translations(locale: str) -> Translations:
    """The catalogue for ``locale``; message ids are English, so English needs no entry."""
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return Translations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext_for(locale: str):
    """A ``gettext`` function for one locale."""
    return translations(locale if locale in LOCALES else DEFAULT_LOCALE).gettext


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The user's own setting first, else the first supported Accept-Language, else French."""
    if preferred in LOCALES:
        return preferred
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LOCALES:
            return code
    return DEFAULT_LOCALE


def long_date(value: date, locale: str = DEFAULT_LOCALE) -> str:
    """A date in words: ``26 novembre 2026``, and ``1er janvier 2027`` as French writes the
    first of the month (Babel's CLDR pattern gives ``1 janvier``); ``January 1, 2027``."""
    text = format_date(value, format="long", locale=locale)
    if value.day == 1 and locale.split("_")[0] == "fr" and text.startswith("1 "):
        return "1er" + text[1:]
    return text
