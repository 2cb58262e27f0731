"""The report charts are inline SVG drawn by Jinja macros: bars in proportion, every number
written beside its bar, names escaped, nothing the CSP would block, and the same macros in the
page and in the PDF's sandboxed environment."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from litestar.datastructures import MultiDict

from inventory.app import make_templates
from inventory.config import Settings
from inventory.documents.engine import environment as documents_environment
from inventory.documents.report_figures import Bar, Numbers, device_stacks
from inventory.i18n import gettext_for
from tests.unit.report_samples import HOSTILE, sample_dashboard

SVG = "{http://www.w3.org/2000/svg}"
FR = gettext_for("fr")


def draw(call: str, env=None, **values) -> str:
    """Render one macro call of ``reports/_charts.html`` (page environment by default)."""
    env = env or make_templates()
    template = env.from_string(
        '{% import "reports/_charts.html" as charts with context %}' + call)
    return template.render(_=FR, **Numbers("fr_FR").context(), **values)


def svg_of(markup: str) -> ET.Element:
    """The first <svg> of the markup, parsed (so it must be well-formed XML)."""
    return ET.fromstring(re.search(r"<svg.*?</svg>", markup, re.S)[0])


def bar_widths(svg: ET.Element) -> list[float]:
    return [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]


def test_bars_are_in_proportion_and_the_longest_fills_the_scale():
    bars = [Bar("Aubiers", 100), Bar("Bacalan", 50), Bar("Cenon", 25), Bar("Lormont", 0)]
    svg = svg_of(draw("{{ charts.hbar(bars, 'Par site') }}", bars=bars))
    assert bar_widths(svg) == [500.0, 250.0, 125.0, 0.0]


def test_every_number_is_written_just_beside_its_bar():
    bars = [Bar("Aubiers", 1234), Bar("Bacalan", 617)]
    svg = svg_of(draw("{{ charts.hbar(bars, 'Par site') }}", bars=bars))
    values = [t for t in svg.iter(f"{SVG}text") if t.get("data-value")]
    assert [t.text for t in values] == ["1\u202f234", "617"]
    assert [float(t.get("x")) for t in values] == [506.0, 256.0]  # bar end + 6


def test_a_hidden_count_has_no_bar_and_says_secret_in_its_place():
    bars = [Bar("Bordeaux", 900), Bar("Lormont", None)]
    markup = draw("{{ charts.hbar(bars, 'Par commune') }}", bars=bars)
    svg = svg_of(markup)
    assert bar_widths(svg) == [500.0]
    assert "Lormont : s" in "".join(svg.itertext())


def test_a_hostile_label_is_printed_escaped_in_the_svg():
    bars = [Bar(HOSTILE, 3)]
    markup = draw("{{ charts.hbar(bars, title) }}", bars=bars, title=HOSTILE)
    assert "<script" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert HOSTILE in "".join(svg_of(markup).itertext())


def test_the_chart_names_itself_for_screen_readers_and_has_no_inline_style_or_script():
    markup = draw("{{ charts.hbar(bars, 'Matériel par état') }}", bars=[Bar("prêté", 3)])
    svg = svg_of(markup)
    assert svg.get("role") == "img" and svg.get("aria-label") == "Matériel par état"
    assert svg.find(f"{SVG}title").text == "Matériel par état"
    assert "style=" not in markup and "<script" not in markup and "javascript:" not in markup


def test_an_empty_chart_says_so_instead_of_drawing_nothing():
    markup = draw("{{ charts.hbar(bars, 'Orientations') }}", bars=[])
    assert FR("Nothing in this period.") in markup and bar_widths(svg_of(markup)) == []


def test_stacked_segments_add_up_to_the_site_total_in_proportion_and_list_their_numbers():
    series, rows = device_stacks(sample_dashboard())
    markup = draw("{{ charts.stacked(series, rows, 'Par site') }}", series=series, rows=rows)
    svg = svg_of(markup)
    segments = [r for r in svg.iter(f"{SVG}rect") if r.get("stroke")]
    widths = [float(r.get("width")) for r in segments]
    # Les Aubiers 30 + 100 = 130 (the longest, 500 units); Bacalan 10 + 20 + 7 = 37.
    assert widths[:2] == [round(30 / 130 * 500, 1), round(100 / 130 * 500, 1)]
    assert sum(widths[2:]) == pytest.approx(37 / 130 * 500, abs=0.2)
    totals = [t.text for t in svg.iter(f"{SVG}text") if t.get("data-value")]
    assert totals == ["130", "37"]
    # The legend names each colour, and the table gives every segment's number: a state a
    # line, a site a column, with the totals.
    assert [s.label for s in series] == ["available", "on loan", "in repair"]
    table = markup[markup.index("<table"):]
    assert re.findall(r'<td class="num">(?:<strong>)?(\d+)', table) == [
        "30", "10", "40", "100", "20", "120", "0", "7", "7", "130", "37", "167"]


def test_segments_of_different_states_have_different_colours():
    series, _rows = device_stacks(sample_dashboard())
    assert len({s.colour for s in series}) == len(series)


@pytest.mark.parametrize(("reached", "goal", "width", "numbers"), [
    (612, 1000, 367.2, ("612", "1\u202f000", "(61\u00a0%)")),
    (1500, 1000, 600.0, ("1\u202f500", "1\u202f000", "(150\u00a0%)")),
    (0, 1000, 0.0, ("0", "1\u202f000", "(0\u00a0%)")),
])
def test_the_goal_gauge_fills_in_proportion_up_to_full_and_writes_the_numbers(
        reached, goal, width, numbers):
    svg = svg_of(draw("{{ charts.gauge(reached, goal, 'Objectif') }}", reached=reached,
                      goal=goal))
    filled = [r for r in svg.iter(f"{SVG}rect") if r.get("data-share") is not None]
    assert float(filled[0].get("width")) == width
    text = "".join(svg.itertext())
    assert all(number in text for number in numbers)


def test_the_same_macros_render_in_the_sandboxed_documents_environment():
    bars = [Bar("Aubiers", 10), Bar(HOSTILE, None)]
    markup = draw("{{ charts.hbar(bars, 'Par site') }}", env=documents_environment(), bars=bars)
    assert bar_widths(svg_of(markup)) == [500.0]
    assert "<script" not in markup


def page_html(**overrides) -> str:
    """The dashboard page rendered from a hand-built dashboard, as the controller does."""
    from inventory.web.reports import figures_context, recent_quarters

    board = sample_dashboard()
    context = dict(
        _=FR, user=None, locale="fr", csrf_field="_csrf", csrf_token="", can=lambda a: True,
        settings=Settings(database_url="sqlite:////tmp/unused.sqlite3"), role_labels={},
        kind_labels={}, event_labels={}, form=MultiDict({"period": "year"}), errors={},
        sites=[{"code": "AUB", "name": "Les Aubiers"}],
        quarters=recent_quarters(date(2026, 11, 27)), this_year=2026, board=board, site_name=None, pdf_url="/reports/period.pdf?start=x",
        csv_links=[("summary", "Chiffres clés", "/api/v1/reports/summary.csv?start=x")],
        **Numbers("fr_FR").context(), **figures_context(board, FR))
    context.update(overrides)
    return make_templates().get_template("reports/dashboard.html").render(**context)


def test_the_dashboard_page_shows_every_figure_with_no_inline_style_and_escapes_names():
    html = page_html()
    for figure in ("1\u202f234", "807", "412", "298", "316", "171", "120", "98\u00a0%", "250",
                   "5\u202f250", "31", "26", "6,5", "42", "18,2"):
        assert figure in html, figure
    assert "style=" not in html and "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="/reports/period.pdf?start=x"' in html
    assert 'href="/api/v1/reports/summary.csv?start=x"' in html
