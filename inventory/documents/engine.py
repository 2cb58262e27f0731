"""The shared machinery: one sandboxed Jinja environment, one CSS, one font set, no fetching."""

from __future__ import annotations

import functools
import logging
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.numbers import format_currency
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from inventory.i18n import long_date

if TYPE_CHECKING:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

# WeasyPrint is imported on the first document, not with the app: it weighs ~27 MB of
# resident memory that a server which never prints would carry for nothing.

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "documents"
# The report charts are macros shared with the dashboard page: the one folder of page
# templates that documents may also load, under the same name ("reports/_charts.html").
REPORTS_DIR = TEMPLATES_DIR.parent / "reports"
STYLESHEET = "documents.css"
LOCALE = "fr_FR"

log = logging.getLogger(__name__)
# WeasyPrint announces each step of every render at INFO ("Step 6 - Creating PDF"), and the
# app's logging shows INFO: seven lines per document in the service's output, for nothing.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Pango, fontconfig and cairo have a history of crashes when several threads lay out at
# once, and the shared FontConfiguration is not thread-safe; a document takes ~0.1 s, so one
# at a time per process costs little.
_LOCK = threading.Lock()


class UnsafeDocument(RuntimeError):
    """Rendering tried to fetch a resource, which documents must never do."""


def date_fr(value: date) -> str:
    """``26 novembre 2026``, ``1er décembre 2026``."""
    return long_date(value, LOCALE)


def euros(value: Decimal) -> str:
    """``50,00 €``: Babel puts a no-break space before the sign and narrow ones in thousands."""
    return format_currency(value, "EUR", locale=LOCALE)


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint can subset fonts with HarfBuzz (Debian: libharfbuzz-subset0)."""
    try:
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    except ImportError:  # pragma: no cover - WeasyPrint moved its internals
        return False
    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


@functools.cache
def full_fonts() -> bool:
    """Embed whole fonts when HarfBuzz-subset is missing.

    WeasyPrint's fallback subsetter (fontTools) takes seconds per font and stamps the current
    time into each subset font, which breaks byte-identical reprints. Whole fonts are fast and
    stable, at the price of a ~1 MB PDF.
    """
    if harfbuzz_subset_available():
        return False
    log.warning("libharfbuzz-subset0 is missing: documents embed whole fonts (larger PDFs).")
    return True


@functools.cache
def environment() -> SandboxedEnvironment:
    """The one Jinja environment: sandboxed, autoescaped, strict, templates read once."""
    env = SandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES_DIR),
                             PrefixLoader({"reports": FileSystemLoader(REPORTS_DIR)})]),
        autoescape=True,  # every template, whatever its extension
        undefined=StrictUndefined,
        auto_reload=False,  # no stat() of template files after the first load
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date_fr"] = date_fr
    env.filters["euros"] = euros
    return env


@functools.cache
def _fetcher() -> weasyprint.URLFetcher:
    """A fetcher that allows only inline ``data:`` URLs and aborts the render on any other.

    One instance is enough: it keeps no state between fetches of ``data:`` URLs, and renders
    run one at a time anyway.
    """
    import weasyprint

    return weasyprint.URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


@functools.cache
def _stylesheet() -> weasyprint.CSS:
    """The shared CSS, parsed once."""
    import weasyprint

    css = (TEMPLATES_DIR / STYLESHEET).read_text(encoding="utf-8")
    return weasyprint.CSS(string=css, url_fetcher=_fetcher())


@functools.cache
def _font_config() -> FontConfiguration:
    """One font configuration for the process: Pango then keeps its shaped fonts warm."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_pdf(template: str, context: dict[str, Any], identifier: bytes) -> bytes:
    """Fill ``template`` with ``context`` and lay it out as PDF with the given /ID."""
    return html_to_pdf(environment().get_template(template).render(**context), identifier)


def html_to_pdf(html: str, identifier: bytes) -> bytes:
    """Lay out HTML as PDF; fetching anything but a ``data:`` URL raises UnsafeDocument."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    try:
        with _LOCK:
            document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_fetcher())
            return document.write_pdf(
                stylesheets=[_stylesheet()],
                font_config=_font_config(),
                pdf_identifier=identifier,
                full_fonts=full_fonts(),
            )
    except FatalURLFetchingError as exc:  # a BaseException: keep it from killing a worker
        raise UnsafeDocument(str(exc)) from None
