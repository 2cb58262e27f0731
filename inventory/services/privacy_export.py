"""Right of access: everything held on one person, as data (JSON) or a readable PDF."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date, datetime
from typing import Any

from inventory.db.tables import (
    AccessLog, EligibilityDecision, Loan, LoanLine, Referral, Reminder,
    WaitingEntry,
)
from inventory.documents.engine import render_pdf
from inventory.services.beneficiaries import find_visible, log_access
from inventory.services.common import LOCAL_TZ, Actor, from_json, unit_of_work, utcnow

RECORD_FIELDS = (
    "number", "first_name", "last_name", "phone", "email", "birth_year", "commune",
    "in_priority_area", "household_ref", "situation", "has_guardian", "consent_on",
    "consent_version", "partner_org_name", "site_code", "notes", "merged_into", "created_at",
    "updated_at", "last_contact_on", "anonymised_at",
)
JSON_FIELDS = ("requested_kinds", "answers", "proofs", "outcomes", "reasons", "covers",
               "accessories_out", "accessories_back", "missing_accessories")


def _decoded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with their JSON columns decoded and internal ids left out."""
    out = []
    for row in rows:
        out.append({key: from_json(value, None) if key in JSON_FIELDS else value
                    for key, value in row.items() if key != "id"})
    return out


async def _referrals(pid: int) -> list[dict[str, Any]]:
    return _decoded(await Referral.select(
        Referral.referred_on, Referral.partner_org.name.as_alias("partner_org"), Referral.need,
        Referral.requested_kinds, Referral.path_wish, Referral.status, Referral.decline_reason,
        Referral.answered_at).where(Referral.beneficiary == pid).order_by(Referral.id))


async def _decisions(pid: int) -> list[dict[str, Any]]:
    d = EligibilityDecision
    return _decoded(await d.select(
        d.decided_on, d.partner_org.name.as_alias("partner_org"), d.ruleset_version,
        d.eligible, d.covers, d.reasons, d.answers, d.proofs, d.valid_until, d.revoked_at,
        d.revoke_reason).where(d.beneficiary == pid).order_by(d.id))


async def _loans(pid: int) -> list[dict[str, Any]]:
    loans = await Loan.select(
        Loan.id, Loan.reference, Loan.site.code.as_alias("site"), Loan.started_on,
        Loan.due_on, Loan.status, Loan.renewals_done, Loan.deposit_cents, Loan.deposit_form,
        Loan.note, Loan.closed_at).where(Loan.beneficiary == pid).order_by(Loan.id)
    for loan in loans:
        loan["lines"] = _decoded(await LoanLine.select(
            LoanLine.item.tag.as_alias("tag"), LoanLine.kind, LoanLine.item.brand.as_alias(
                "brand"), LoanLine.item.model.as_alias("model"), LoanLine.due_on,
            LoanLine.accessories_out, LoanLine.condition_out, LoanLine.closed_at,
            LoanLine.outcome, LoanLine.accessories_back, LoanLine.missing_accessories,
            LoanLine.condition_back, LoanLine.loss_on, LoanLine.circumstances,
            LoanLine.loss_resolved_at).where(LoanLine.loan == loan["id"]).order_by(LoanLine.id))
    return _decoded(loans)


async def _waiting(pid: int) -> list[dict[str, Any]]:
    return _decoded(await WaitingEntry.select(
        WaitingEntry.kind, WaitingEntry.site.code.as_alias("site"), WaitingEntry.since,
        WaitingEntry.status, WaitingEntry.proposed_at, WaitingEntry.closed_at,
        WaitingEntry.note).where(WaitingEntry.beneficiary == pid).order_by(WaitingEntry.id))


async def _reminders(pid: int) -> list[dict[str, Any]]:
    return _decoded(await Reminder.select(
        Reminder.loan.reference.as_alias("loan"), Reminder.kind, Reminder.channel,
        Reminder.due_on, Reminder.status, Reminder.sent_at, Reminder.body).where(
        Reminder.beneficiary == pid).order_by(Reminder.id))


async def _access_log(pid: int) -> list[dict[str, Any]]:
    # Who read the record, by role: staff accounts are not named to the person.
    return _decoded(await AccessLog.select(AccessLog.at, AccessLog.actor_role,
                                           AccessLog.action).where(
        AccessLog.beneficiary == pid).order_by(AccessLog.id))


async def export_person(actor: Actor, number: str) -> dict[str, Any]:
    """Everything held on one person; the export is logged (and listed in it)."""
    async with unit_of_work():
        person = await find_visible(actor, number)
        await log_access(actor, "beneficiary.export", [person["id"]])
        pid = person["id"]
        return {
            "generated_at": utcnow(),
            "beneficiary": {key: person[key] for key in RECORD_FIELDS},
            "referrals": await _referrals(pid),
            "decisions": await _decisions(pid),
            "loans": await _loans(pid),
            "waiting_entries": await _waiting(pid),
            "reminders": await _reminders(pid),
            "access_log": await _access_log(pid),
        }


# --- the readable copy -----------------------------------------------------------------------

SECTIONS = (
    ("referrals", "Orientations"), ("decisions", "Décisions d’éligibilité"),
    ("loans", "Prêts"), ("waiting_entries", "Liste d’attente"), ("reminders", "Rappels"),
    ("access_log", "Consultations du dossier"),
)


def _text(value: Any) -> str:
    """A value as a person reads it (the template escapes it)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dict):
        return " ; ".join(f"{k} : {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return " ; ".join(_text(v) for v in value)
    return str(value)


LABELS = {
    "number": "Numéro", "first_name": "Prénom", "last_name": "Nom", "phone": "Téléphone",
    "email": "Courriel", "birth_year": "Année de naissance", "commune": "Commune",
    "in_priority_area": "Quartier prioritaire", "household_ref": "Foyer",
    "situation": "Situation", "has_guardian": "Mesure de protection",
    "consent_on": "Consentement le", "consent_version": "Version du consentement",
    "partner_org_name": "Structure qui oriente", "partner_org": "Structure",
    "site_code": "Site", "site": "Site", "notes": "Notes", "note": "Note",
    "merged_into": "Fusionné dans", "created_at": "Créé le", "updated_at": "Modifié le",
    "last_contact_on": "Dernier contact", "anonymised_at": "Anonymisé le",
    "referred_on": "Orienté le", "need": "Besoin", "requested_kinds": "Matériel demandé",
    "path_wish": "Souhait d’accompagnement", "status": "État",
    "decline_reason": "Motif du refus", "answered_at": "Réponse le",
    "decided_on": "Décidé le", "ruleset_version": "Version des règles",
    "eligible": "Éligible", "covers": "Couvre", "reasons": "Motifs", "answers": "Réponses",
    "proofs": "Justificatifs vus", "valid_until": "Valable jusqu’au",
    "revoked_at": "Retirée le", "revoke_reason": "Motif du retrait",
    "reference": "Référence", "started_on": "Début", "due_on": "Échéance",
    "renewals_done": "Renouvellements", "deposit_cents": "Caution (centimes)",
    "deposit_form": "Forme de la caution", "closed_at": "Clos le", "tag": "Étiquette",
    "kind": "Type", "brand": "Marque", "model": "Modèle", "accessories_out": "Accessoires remis",
    "condition_out": "État au départ", "outcome": "Issue",
    "accessories_back": "Accessoires rendus", "missing_accessories": "Accessoires manquants",
    "condition_back": "État au retour", "loss_on": "Perte le",
    "circumstances": "Circonstances", "loss_resolved_at": "Perte réglée le",
    "since": "Depuis", "proposed_at": "Proposé le", "loan": "Prêt", "channel": "Canal",
    "sent_at": "Envoyé le", "body": "Message", "at": "Le", "actor_role": "Rôle",
    "action": "Action",
}


def _facts(entry: dict[str, Any]) -> list[tuple[str, str]]:
    return [(LABELS.get(key, key), _text(value)) for key, value in entry.items()
            if key != "lines"]


def pdf_context(data: dict[str, Any]) -> dict[str, Any]:
    """Plain strings for the template: one facts table per record, loan lines under loans."""
    sections = []
    for key, title in SECTIONS:
        entries = [{"facts": _facts(entry),
                    "lines": [_facts(line) for line in entry.get("lines", [])]}
                   for entry in data[key]]
        sections.append({"title": title, "entries": entries})
    return {"number": data["beneficiary"]["number"],
            "generated": _text(data["generated_at"]),
            "record": _facts(data["beneficiary"]), "sections": sections}


async def export_pdf(actor: Actor, number: str) -> bytes:
    """The same export as a PDF a person can read."""
    data = await export_person(actor, number)
    identifier = hashlib.sha256(
        f"privacy_export\n{number}\n{data['generated_at'].isoformat()}".encode()).hexdigest()
    return await asyncio.to_thread(render_pdf, "privacy_export.html", pdf_context(data),
                                   identifier[:32].encode("ascii"))
