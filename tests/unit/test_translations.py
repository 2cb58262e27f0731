"""Every message shown to people has a French translation with the same placeholders."""

import re
from datetime import date, timedelta
from pathlib import Path

from babel.messages.extract import extract_from_dir

from babel.messages.pofile import read_po

from inventory.i18n import LOCALE_DIR, gettext_for, long_date, negotiate, translations

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
METHOD_MAP = [("inventory/**.py", "python"), ("labels/**.py", "python"),
              ("templates/**.html", "jinja2")]


def extracted_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords={"_": None, "N_": None}
    ):
        if isinstance(message, str):
            found.add(message)
    return found


def french_catalogue() -> dict[str, str]:
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def test_every_message_in_the_code_has_a_french_translation():
    catalogue = french_catalogue()
    missing = sorted(m for m in extracted_messages() if not catalogue.get(m))
    assert missing == [], "run `make messages` and translate:\n" + "\n".join(missing)


def test_french_translations_keep_the_same_placeholders():
    catalogue = translations("fr")
    for message in extracted_messages():
        translated = catalogue.gettext(message)
        assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(message)), message


def test_french_is_the_default_and_english_the_second_language():
    assert negotiate(None) == "fr"
    assert negotiate("en-GB,en;q=0.9") == "en"
    assert negotiate("de-DE") == "fr"
    assert negotiate("en", preferred="fr") == "fr"
    assert gettext_for("fr")("Sign in") == "Se connecter"
    assert gettext_for("en")("Sign in") == "Sign in"


def test_dates_in_words_write_the_first_of_the_month_as_french_does():
    assert long_date(date(2027, 1, 1)) == "1er janvier 2027"
    assert long_date(date(2026, 12, 1), "fr") == "1er décembre 2026"
    assert long_date(date(2027, 1, 1), "en") == "January 1, 2027"
    # Only the first: every other day of a year keeps its plain number.
    day = date(2026, 1, 1)
    while day.year == 2026:
        words = long_date(day)
        assert words.startswith("1er ") == (day.day == 1), words
        assert words.split()[0].removesuffix("er") == str(day.day)
        day += timedelta(days=1)
