"""The loan agreement of a loan: data gathered, PDF rendered off the event loop, and the
version and SHA-256 of the copy handed over kept with the loan.

The first print fixes the template version and the hash; every reprint uses that version and
must give the same bytes (a reprint that would differ is refused rather than printed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from inventory.config import Settings
from inventory.db.tables import Enrollment, Loan, LoanLine, Site, StaffUser
from inventory.documents import model as doc
from inventory.documents.render import TemplateVersionMismatch, render_agreement_async, sha256_of
from inventory.domain.errors import Conflict, InvalidInput, N_
from inventory.domain.lifecycle import Family
from inventory.domain.loan_policy import KIND_LABELS
from inventory.i18n import gettext_for
from inventory.services.beneficiaries import log_access
from inventory.services.common import Actor, from_json, unit_of_work
from inventory.services.loans import visible_loan

_FRENCH = gettext_for("fr")
_DEPOSIT_FORMS = {"cheque_not_cashed": doc.DepositForm.UNCASHED_CHEQUE,
                  "cash": doc.DepositForm.CASH, "waived": doc.DepositForm.WAIVED}
_CITY = re.compile(r"\b\d{5}\s+(.+)$")


def _city(site: dict[str, Any]) -> str:
    """The town in the site's address (``…, 33300 Bordeaux``), else the site's name."""
    match = _CITY.search(site["address"] or "")
    return match.group(1).strip() if match else site["name"]


def deposit_of(loan: dict[str, Any]) -> doc.Deposit:
    form = _DEPOSIT_FORMS.get(loan["deposit_form"] or "waived", doc.DepositForm.WAIVED)
    if form is doc.DepositForm.WAIVED or not loan["deposit_cents"]:
        return doc.Deposit(None, doc.DepositForm.WAIVED)
    return doc.Deposit(Decimal(loan["deposit_cents"]) / 100, form)


def _item(line: dict[str, Any]) -> doc.AgreementItem:
    card = line["family"] == Family.CARD
    return doc.AgreementItem(
        tag=line["tag"], kind_label=kind_label(line["kind"]), brand_model=brand_model(line),
        serial=(line["iccid"] if card else line["serial"]) or "—",
        grade=line["grade_out"] or "—",
        accessories=tuple(from_json(line["accessories_out"], [])),
        operator=line["operator"] or None if card else None,
        phone_number=line["phone_number"] or None if card else None,
    )


@dataclass(frozen=True, slots=True)
class LoanContext:
    """What every document of a loan prints: the loan, its person, site and staff member."""

    loan: dict[str, Any]
    person: dict[str, Any]
    site: dict[str, Any]
    staff_name: str
    association: doc.Association
    doc_site: doc.Site
    beneficiary: doc.Beneficiary


async def loan_context(actor: Actor, reference: str, settings: Settings) -> LoanContext:
    """The loan if its borrower is in the actor's scope (else not found), with its parties."""
    loan, person = await visible_loan(actor, reference)
    site = await Site.select().where(Site.id == loan["site"]).first()
    staff = await StaffUser.select(StaffUser.display_name).where(
        StaffUser.id == loan["created_by"]).first()
    place = site["address"] or site["name"]
    return LoanContext(
        loan=loan, person=person, site=site,
        staff_name=staff["display_name"] if staff else settings.association_name,
        association=doc.Association(
            name=settings.association_name, address=place,
            gdpr_contact=f"{settings.association_name}, {place}",
            data_retention="jusqu’à deux ans après le dernier contact"),
        doc_site=doc.Site(name=site["name"], address=site["address"] or "", city=_city(site)),
        beneficiary=doc.Beneficiary(f"{person['first_name']} {person['last_name']}",
                                    person["number"]),
    )


async def loan_lines(loan_id: int) -> list[dict[str, Any]]:
    """The loan's lines with what documents print of their items."""
    return await LoanLine.select(
        LoanLine.id, LoanLine.kind, LoanLine.family, LoanLine.accessories_out,
        LoanLine.grade_out, LoanLine.closed_at, LoanLine.outcome, LoanLine.accessories_back,
        LoanLine.missing_accessories, LoanLine.condition_back, LoanLine.due_on,
        LoanLine.item.id.as_alias("item_id"), LoanLine.item.site.as_alias("item_site"),
        *(getattr(LoanLine.item, c).as_alias(c) for c in (
            "tag", "brand", "model", "serial", "iccid", "operator", "phone_number",
            "data_allowance_mb", "validity_days", "expires_on")),
    ).where(LoanLine.loan == loan_id).order_by(LoanLine.id)


async def path_name(enrollment_id: int | None) -> str | None:
    """The name of the learning path a loan serves, if it serves one."""
    if enrollment_id is None:
        return None
    row = await Enrollment.select(Enrollment.path.name.as_alias("name")).where(
        Enrollment.id == enrollment_id).first()
    return row["name"] if row else None


def kind_label(kind: str) -> str:
    text = _FRENCH(KIND_LABELS[kind])
    return text[:1].upper() + text[1:]


def brand_model(line: dict[str, Any]) -> str:
    return " ".join(p for p in (line["brand"], line["model"]) if p) or "—"


async def _gather(actor: Actor, reference: str, settings: Settings) -> tuple[doc.AgreementData,
                                                                              dict[str, Any]]:
    ctx = await loan_context(actor, reference, settings)
    loan, person, site = ctx.loan, ctx.person, ctx.site
    if loan["due_on"] is None:
        raise InvalidInput(N_("This loan only hands over connection cards: print the card "
                              "handover slip instead of an agreement."))
    lines = await loan_lines(loan["id"])
    data = doc.AgreementData(
        reference=loan["reference"], association=ctx.association, site=ctx.doc_site,
        beneficiary=ctx.beneficiary,
        items=tuple(_item(line) for line in lines), loan_date=loan["started_on"],
        due_date=loan["due_on"], deposit=deposit_of(loan), staff_name=ctx.staff_name,
        signature_city=_city(site),
        template_version=loan["agreement_version"] or doc.AGREEMENT_TEMPLATE_VERSION,
        learning_path=await path_name(loan.get("enrollment")),
    )
    await log_access(actor, "loan.agreement", [person["id"]])
    return data, loan


async def agreement_pdf(actor: Actor, reference: str, settings: Settings) -> tuple[bytes, str]:
    """The agreement's PDF and its SHA-256; the first print is recorded with the loan."""
    async with unit_of_work():
        data, loan = await _gather(actor, reference, settings)
    try:
        pdf = await render_agreement_async(data)
    except TemplateVersionMismatch:
        raise Conflict(N_("This agreement was printed with template {version}, which this "
                          "version of the service no longer has: it cannot be reprinted "
                          "identically."), version=data.template_version) from None
    digest = sha256_of(pdf)
    if loan["agreement_sha256"] is None:
        async with unit_of_work():
            await Loan.update({Loan.agreement_version: data.template_version,
                               Loan.agreement_sha256: digest}).where(
                (Loan.id == loan["id"]) & Loan.agreement_sha256.is_null())
    elif loan["agreement_sha256"] != digest:
        raise Conflict(N_("The reprint would differ from the agreement handed over "
                          "(different data or fonts); it was not printed."))
    return pdf, digest

