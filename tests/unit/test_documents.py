"""The printed documents say what the association promises, and reprint byte for byte."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import unicodedata
from datetime import date
from decimal import Decimal

import pymupdf
import pytest

from inventory.documents import samples
from inventory.documents.model import (
    AGREEMENT_TEMPLATE_VERSION,
    Deposit,
    DepositForm,
    WipeResult,
)
from inventory.documents.render import (
    TemplateVersionMismatch,
    render_agreement,
    render_agreement_async,
    render_card_handover,
    render_card_handover_async,
    render_return_receipt,
    render_wipe_certificate,
    sha256_of,
)


def pages_of(pdf: bytes) -> list[str]:
    """Text of each page, NFKC-normalised (ligatures, narrow spaces) with spaces collapsed."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        texts = [page.get_text() for page in doc]
    return [re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)) for text in texts]


def text_of(pdf: bytes) -> str:
    """All the text of a PDF, normalised as in ``pages_of``."""
    return " ".join(pages_of(pdf))


@pytest.fixture(scope="module")
def agreement():
    return samples.sample_agreement(items=3)


@pytest.fixture(scope="module")
def agreement_pdf(agreement):
    return render_agreement(agreement)


def test_agreement_names_the_beneficiary_every_item_and_the_terms(agreement, agreement_pdf):
    text = text_of(agreement_pdf)
    assert "Amina Diallo" in text and "B-000042" in text
    assert len(agreement.items) == 3
    for item in agreement.items:
        assert item.tag in text
        assert item.serial in text
    assert "chargeur, housse, souris" in text
    assert "Orange" in text and "06 12 34 56 78" in text
    assert "26 novembre 2026" in text  # loan date
    assert "au plus tard le 26 mai 2027" in text  # due date
    assert "50,00 €" in text and "chèque non encaissé" in text
    assert "Recherche d’emploi en ligne" in text
    assert "Le bénéficiaire" in text and "Pour l’association" in text
    assert "Fait à Montreuil, le 26 novembre 2026" in text


def test_agreement_states_the_obligations_and_the_data_notice(agreement_pdf):
    text = text_of(agreement_pdf)
    for clause in (
        "articles 1875 et suivants du Code civil",
        "Ne pas le vendre",
        "prêter à quelqu’un d’autre",
        "Rendre vous-même le matériel",
        "Usure normale : elle ne vous est jamais facturée",
        "déposez plainte",
        "sauvegardez-les vous-même",
        "tout le contenu du matériel est effacé définitivement",
        "donnees-personnelles@esn.example.org",
        "les corriger ou à les effacer",
    ):
        assert clause in text, clause


def test_agreement_is_two_pages_with_reference_version_and_page_number_on_each(agreement_pdf):
    pages = pages_of(agreement_pdf)
    assert len(pages) == 2
    for number, page in enumerate(pages, start=1):
        assert f"Convention n° CP-2026-000123 — modèle {AGREEMENT_TEMPLATE_VERSION}" in page
        assert f"page {number} / 2" in page
        assert "Paraphes" in page


def test_reprinting_the_same_agreement_gives_the_same_bytes(agreement, agreement_pdf):
    again = render_agreement(dataclasses.replace(agreement))
    assert again == agreement_pdf
    assert sha256_of(again) == sha256_of(agreement_pdf)
    assert re.fullmatch(r"[0-9a-f]{64}", sha256_of(again))


def test_a_reprint_in_another_process_after_other_documents_gives_the_same_bytes(agreement_pdf):
    script = (
        "from inventory.documents import render, samples\n"
        "render.render_card_handover(samples.sample_card_handover('7391-2048'))\n"
        "print(render.sha256_of(render.render_agreement(samples.sample_agreement(items=3))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == sha256_of(agreement_pdf)


async def test_the_async_renderer_gives_the_same_bytes(agreement, agreement_pdf):
    assert await render_agreement_async(agreement) == agreement_pdf


def test_pdf_dates_and_identifier_come_from_the_agreement_not_the_clock(agreement_pdf):
    with pymupdf.open(stream=agreement_pdf, filetype="pdf") as doc:
        assert doc.metadata["creationDate"].startswith("D:20261126")
        assert doc.metadata["modDate"].startswith("D:20261126")
        trailer = doc.pdf_trailer()
    assert "/ID" in trailer


@pytest.mark.parametrize(
    "change",
    [
        lambda a: dataclasses.replace(a, due_date=date(2027, 5, 27)),
        lambda a: dataclasses.replace(
            a, beneficiary=dataclasses.replace(a.beneficiary, full_name="Amina Dialo")
        ),
        lambda a: dataclasses.replace(
            a, items=(dataclasses.replace(a.items[0], serial="PF1ABCD3"), *a.items[1:])
        ),
        lambda a: dataclasses.replace(a, deposit=Deposit(Decimal("40.00"), DepositForm.CASH)),
    ],
    ids=["due date", "beneficiary name", "one serial", "deposit"],
)
def test_changing_one_field_changes_the_hash(agreement, agreement_pdf, change):
    assert sha256_of(render_agreement(change(agreement))) != sha256_of(agreement_pdf)


def test_a_waived_deposit_and_no_learning_path_are_printed_as_such(agreement):
    waived = dataclasses.replace(
        agreement, deposit=Deposit(None, DepositForm.WAIVED), learning_path=None
    )
    text = text_of(render_agreement(waived))
    assert "Aucune caution ne vous est demandée (dispense)" in text
    assert "parcours" not in text
    assert "€" not in text


def test_a_loan_starting_on_the_first_of_the_month_reads_1er(agreement):
    first = dataclasses.replace(agreement, loan_date=date(2026, 12, 1),
                                due_date=date(2027, 3, 1))
    text = " ".join(text_of(render_agreement(first)).split())
    assert "Le prêt commence le 1er décembre 2026" in text
    assert "au plus tard le 1er mars 2027" in text
    assert "le 1er décembre 2026, en deux exemplaires" in text


def test_an_agreement_signed_on_another_template_version_is_not_reprinted(agreement):
    with pytest.raises(TemplateVersionMismatch):
        render_agreement(dataclasses.replace(agreement, template_version="2025-01-1"))


def test_an_agreement_needs_an_item_and_a_due_date_after_the_loan(agreement):
    with pytest.raises(ValueError):
        dataclasses.replace(agreement, items=())
    with pytest.raises(ValueError):
        dataclasses.replace(agreement, due_date=date(2026, 11, 25))


def test_a_deposit_by_cheque_needs_an_amount_and_a_waived_one_has_none():
    with pytest.raises(ValueError):
        Deposit(None, DepositForm.UNCASHED_CHEQUE)
    with pytest.raises(ValueError):
        Deposit(Decimal(50), DepositForm.WAIVED)


def test_return_receipt_lists_what_came_back_and_what_is_missing():
    text = text_of(render_return_receipt(samples.sample_return_receipt()))
    for expected in (
        "Récépissé de restitution",
        "RR-2026-000045",
        "CP-2026-000123",
        "Amina Diallo",
        "B-000042",
        "ESN-00042-7",
        "PF1ABCD2",
        "20 mai 2027",
        "Bon état, usure normale",
        "chargeur, housse",
        "souris",
        "La caution de 50,00 € (chèque non encaissé) vous est rendue ce jour",
        "effacé définitivement",
    ):
        assert expected in text, expected


def test_a_kept_deposit_is_explained_on_the_receipt():
    kept = dataclasses.replace(
        samples.sample_return_receipt(), deposit_returned=False, note="Écran fêlé : devis 45 €."
    )
    text = text_of(render_return_receipt(kept))
    assert "n’est pas rendue ce jour" in text and "Écran fêlé : devis 45 €." in text


def test_wipe_certificate_records_device_method_operator_date_and_result():
    text = text_of(render_wipe_certificate(samples.sample_wipe_certificate()))
    for expected in (
        "Attestation d’effacement des données",
        "EF-2026-000017",
        "ESN-00042-7",
        "Lenovo ThinkPad T480",
        "PF1ABCD2",
        "NIST 800-88 Clear",
        "nwipe 0.34",
        "Karim Benali",
        "21 mai 2027",
        "réussi",
    ):
        assert expected in text, expected


def test_a_failed_wipe_certificate_says_the_device_must_not_be_lent():
    failed = dataclasses.replace(samples.sample_wipe_certificate(), result=WipeResult.FAILURE)
    text = text_of(render_wipe_certificate(failed))
    assert "L’effacement a échoué" in text and "ne doit pas être prêté" in text
    assert "atteste" not in text


def test_card_handover_slip_explains_the_card_without_the_code_by_default():
    text = text_of(render_card_handover(samples.sample_card_handover()))
    for expected in (
        "Remise d’une carte de connexion",
        "Orange",
        "06 12 34 56 78",
        "8933150319123456789",
        "20 Go",
        "26 février 2027",
        "Composez le #123#",
        "Amina Diallo",
    ):
        assert expected in text, expected
    assert "n’est pas imprimé" in text


async def test_the_voucher_code_is_printed_only_when_staff_ask_for_it():
    without = text_of(render_card_handover(samples.sample_card_handover(voucher_code=None)))
    with_code = text_of(await render_card_handover_async(samples.sample_card_handover("7391-2048")))
    assert "7391-2048" not in without
    assert "7391-2048" in with_code and "ne le donnez à personne" in with_code
