"""Render the printed documents: plain data in, PDF bytes out, nothing fetched."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import threading
from datetime import date
from typing import Any

from inventory.documents.engine import UnsafeDocument, environment, render_pdf
from inventory.documents.model import (
    AGREEMENT_TEMPLATE_VERSION,
    CARD_HANDOVER_TEMPLATE_VERSION,
    RETURN_RECEIPT_TEMPLATE_VERSION,
    WIPE_CERTIFICATE_TEMPLATE_VERSION,
    AgreementData,
    CardHandoverData,
    ReturnReceiptData,
    WipeCertificateData,
)
from inventory.documents.samples import sample_agreement

__all__ = [
    "TemplateVersionMismatch",
    "UnsafeDocument",
    "render_agreement",
    "render_agreement_async",
    "render_card_handover",
    "render_card_handover_async",
    "render_return_receipt",
    "render_return_receipt_async",
    "render_wipe_certificate",
    "render_wipe_certificate_async",
    "sha256_of",
    "warm_up",
    "prepare_in_background",
]

log = logging.getLogger(__name__)


class TemplateVersionMismatch(ValueError):
    """The data asks for a template version this code no longer has: no faithful reprint."""


def sha256_of(pdf_bytes: bytes) -> str:
    """Hex SHA-256 of a rendered PDF, as stored with the loan."""
    return hashlib.sha256(pdf_bytes).hexdigest()


def warm_up() -> None:
    """Load templates, CSS and fonts now, so the first real document is fast."""
    for name in ("agreement", "return_receipt", "wipe_certificate", "card_handover"):
        environment().get_template(f"{name}.html")
    render_agreement(sample_agreement())


def _warm_up_quietly() -> None:
    try:
        warm_up()
    except Exception:  # a failed warm-up only means a slower first document
        log.exception("documents could not be prepared in advance")


_PREPARED = threading.Lock()  # taken once and kept: the renderer is prepared once a process


def prepare_in_background() -> threading.Thread | None:
    """Prepare WeasyPrint (~1 s of CPU: import, fonts, one sample agreement) in a thread, the
    first time a page that leads to a document opens (the lend form, a report), so that the
    document printed a minute later comes out as fast as the next ones; a process that never
    prints never loads it (~40 MB). Returns the thread the first time, None after."""
    if not _PREPARED.acquire(blocking=False):
        return None
    thread = threading.Thread(target=_warm_up_quietly, name="warm-documents", daemon=True)
    thread.start()
    return thread


def _render(template: str, data: Any, current_version: str, document_date: date) -> bytes:
    """Check the template version, then render ``data`` with every date and id fixed."""
    if data.template_version != current_version:
        raise TemplateVersionMismatch(
            f"{data.reference} was printed with template {data.template_version}; "
            f"this code has {current_version} and cannot reprint it identically."
        )
    context = {field.name: getattr(data, field.name) for field in dataclasses.fields(data)}
    # Creation and modification dates come from the document, never from the clock.
    context["document_date"] = document_date.isoformat()
    # So does the PDF /ID: derived from the document's own reference.
    identifier = hashlib.sha256(f"{template}\n{data.reference}".encode()).hexdigest()[:32]
    return render_pdf(template, context, identifier.encode("ascii"))


def render_agreement(data: AgreementData) -> bytes:
    """The loan agreement (convention de prêt à usage) as PDF bytes."""
    return _render("agreement.html", data, AGREEMENT_TEMPLATE_VERSION, data.loan_date)


def render_return_receipt(data: ReturnReceiptData) -> bytes:
    """The return receipt (récépissé de restitution) as PDF bytes."""
    return _render("return_receipt.html", data, RETURN_RECEIPT_TEMPLATE_VERSION, data.return_date)


def render_wipe_certificate(data: WipeCertificateData) -> bytes:
    """The data-wipe certificate (attestation d'effacement) as PDF bytes."""
    return _render("wipe_certificate.html", data, WIPE_CERTIFICATE_TEMPLATE_VERSION, data.wipe_date)


def render_card_handover(data: CardHandoverData) -> bytes:
    """The connection-card handover slip as PDF bytes."""
    return _render("card_handover.html", data, CARD_HANDOVER_TEMPLATE_VERSION, data.handover_date)


async def render_agreement_async(data: AgreementData) -> bytes:
    """``render_agreement`` in a worker thread, leaving the event loop free."""
    return await asyncio.to_thread(render_agreement, data)


async def render_return_receipt_async(data: ReturnReceiptData) -> bytes:
    """``render_return_receipt`` in a worker thread."""
    return await asyncio.to_thread(render_return_receipt, data)


async def render_wipe_certificate_async(data: WipeCertificateData) -> bytes:
    """``render_wipe_certificate`` in a worker thread."""
    return await asyncio.to_thread(render_wipe_certificate, data)


async def render_card_handover_async(data: CardHandoverData) -> bytes:
    """``render_card_handover`` in a worker thread."""
    return await asyncio.to_thread(render_card_handover, data)
