"""The period report for funders: the association, the period, the key figures and charts in a
French A4 PDF, with the small counts of the breakdowns hidden as "s"."""

from __future__ import annotations

from datetime import date

import pymupdf
import pytest

from inventory.documents.period_report import (
    PeriodReportData, render_period_report, render_period_report_async,
)
from inventory.documents.report_figures import (
    HIDDEN, Numbers, column_totals, device_stacks, published_bars, published_rows,
)
from inventory.domain.reports import Breakdown, BreakdownRow, Figure
from tests.unit.report_samples import HOSTILE, sample_dashboard
from tests.unit.test_documents import pages_of, text_of

ASSOCIATION = "Espace de solidarité numérique"


def report(**overrides) -> PeriodReportData:
    return PeriodReportData(association=ASSOCIATION, dashboard=sample_dashboard(**overrides),
                            site_name=None, generated_on=date(2027, 1, 5))


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_period_report(report())


def test_the_report_names_the_association_the_period_and_the_day_it_was_made(pdf):
    text = text_of(pdf)
    assert ASSOCIATION in text and "Rapport d’activité" in text
    assert "du 1er janvier 2026 au 31 décembre 2026" in text and "tous les sites" in text
    assert "Édité le 5 janvier 2027" in text


def test_the_report_gives_the_key_figures_in_french_number_format(pdf):
    text = text_of(pdf)
    for label, value in (("Personnes accompagnées sur la période", "1 234"),
                         ("dont accompagnées pour la première fois", "807"),
                         ("Autonomes à la sortie du parcours", "412"),
                         ("Autonomes au suivi à 6 mois", "298"),
                         ("Taux de restitution", "98 %"), ("Données fournies", "5 250 Go"),
                         ("Durée médiane d’une réparation", "6,5 jours"),
                         ("Prêts en cours au 27 novembre 2026", "120"),
                         ("En liste d’attente au 27 novembre 2026", "42"),
                         ("Attente moyenne à cette date", "18,2 jours")):
        assert f"{label} {value}" in text, label


def test_the_charts_are_drawn_with_their_numbers_in_the_pdf(pdf):
    text = text_of(pdf)
    assert "Objectif : 1 000 personnes autonomes à la sortie" in text
    assert "612" in text and "(61 %)" in text  # the gauge's words
    assert "Les Aubiers 130" in text and "Bacalan 37" in text  # stacked bars' totals
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        drawings = sum(len(page.get_drawings()) for page in doc)
    assert drawings > 20  # bars are vector shapes, not text alone


def test_a_small_count_is_hidden_as_under_5_and_never_printed(pdf):
    text = text_of(pdf)
    # Lormont: 3 people, 3 loans, 1 autonomous; each hidden in its own column.
    assert f"Lormont {HIDDEN} {HIDDEN} {HIDDEN}" in text
    assert "Lormont 3" not in text and "Lormont 1" not in text
    # Hidden too, so the totals cannot give Lormont back: Cenon, the next smallest each time.
    assert f"Cenon {HIDDEN} {HIDDEN} {HIDDEN}" in text and "Bordeaux 900 1 000 300" in text
    assert "Total 943 1 044 323" in text
    assert "les effectifs de personnes de 1 à 4" in text and "« s » (secret statistique)" in text


def test_small_key_figures_of_people_are_hidden_too():
    text = text_of(render_period_report(report(autonomous_at_follow_up=3, people_first_time=1230)))
    assert f"Autonomes au suivi à 6 mois {HIDDEN}" in text
    # 1,230 first-timers of 1,234 people: the 4 who came back would be given away.
    assert f"dont accompagnées pour la première fois {HIDDEN}" in text


def test_rows_that_hiding_cannot_protect_are_folded_and_their_names_not_printed():
    # Six communes of one person each: "< 5" six times and a total of 6 would say "1" each.
    lonely = tuple(BreakdownRow(f"c{i}", f"Commune {i}", 1, 1, 0) for i in range(6))
    text = text_of(render_period_report(report(breakdowns=(Breakdown("commune", lonely),))))
    assert not any(f"Commune {i}" in text for i in range(6))
    assert "Total 6 6 0" in text


def test_referrals_per_partner_are_masked_and_a_hostile_name_is_plain_text(pdf):
    text = text_of(pdf)
    assert "CCAS de Bordeaux 61" in text
    assert f"{HOSTILE} 17" in text and "Mission locale 12" in text


def test_the_report_is_a4_in_french_and_the_same_data_prints_the_same_bytes(pdf):
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        width, height = doc[0].rect.width, doc[0].rect.height
        assert (round(width), round(height)) == (595, 842)
        assert doc.metadata["author"] == ASSOCIATION
    assert render_period_report(report()) == pdf


def test_every_page_carries_the_running_footer(pdf):
    pages = pages_of(pdf)
    assert len(pages) >= 2
    assert all(f"page {i} / {len(pages)}" in page for i, page in enumerate(pages, 1))


async def test_the_async_renderer_gives_the_same_document(pdf):
    assert await render_period_report_async(report()) == pdf


def test_a_report_without_breakdowns_or_goal_still_renders():
    empty = render_period_report(report(breakdowns=(), goal_autonomous=0, devices_by_site=(),
                                        referrals_by_partner=(), return_rate=None,
                                        repair_median_days=None, waiting_average_days=None))
    text = text_of(empty)
    assert "Objectif" not in text and "Taux de restitution —" in text


def test_published_rows_hide_each_column_on_its_own():
    rows = published_rows(Breakdown("commune", (
        BreakdownRow("a", "A", 900, 1000, 0), BreakdownRow("b", "B", 3, 12, 0),
        BreakdownRow("c", "C", 40, 41, 2))))
    assert [(r.people, r.loans, r.autonomous) for r in rows] == [
        (900, 1000, 0), (None, 12, 0), (None, 41, None)]


def test_column_totals_are_the_true_sums():
    assert column_totals(sample_dashboard().breakdowns[0]) == (943, 1044, 323)


def test_published_bars_keep_big_counts_and_hide_small_ones():
    bars = published_bars((Figure("1", "A", 61), Figure("2", "B", 2), Figure("3", "C", 12)))
    assert [b.value for b in bars] == [61, None, None]


def test_device_stacks_align_every_site_on_the_same_states():
    series, rows = device_stacks(sample_dashboard())
    assert [s.key for s in series] == ["available", "on_loan", "in_repair"]
    assert [(r.label, r.values, r.total) for r in rows] == [
        ("Les Aubiers", (30, 100, 0), 130), ("Bacalan", (10, 20, 7), 37)]


@pytest.mark.parametrize(("locale", "count", "rate", "days"), [
    ("fr_FR", "1\u202f234", "98\u00a0%", "6,5"), ("en_GB", "1,234", "98%", "6.5")])
def test_numbers_follow_the_reader_s_locale(locale, count, rate, days):
    numbers = Numbers(locale)
    assert (numbers.num(1234), numbers.pct(0.983), numbers.dec(6.5)) == (count, rate, days)
    assert numbers.num(None) == HIDDEN and numbers.pct(None) == "—"
