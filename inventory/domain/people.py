"""Beneficiaries, partner organisations and referrals: the rules about people's data.

Minimal personal data, checked on the way in: a SIRET with its checksum, a phone number in
one canonical form, an e-mail address that looks deliverable, a birth year (never a date),
short factual notes. Pure: the libraries used here read no file and open no connection.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.fr import siret as stdnum_siret

from inventory.domain.errors import InvalidInput, InvalidTag, N_
from inventory.domain.lifecycle import Kind
from inventory.domain.privacy import RETENTION_MONTHS, retention_cutoff
from inventory.domain.tags import decode, encode

BENEFICIARY_PREFIX = "B"  # numbers read B-00042-7: a counter and a check digit, nothing personal
NOTES_MAX = 500
OLDEST_BIRTH_YEAR = 1900
CONSENT_VERSION = "2026-1"  # the consent notice in use, when none is given


class OrgType(StrEnum):
    """The kinds of partner social structures."""

    CCAS = "ccas"
    MISSION_LOCALE = "mission_locale"
    CENTRE_SOCIAL = "centre_social"
    DEPARTEMENT = "departement"
    FRANCE_TRAVAIL = "france_travail"
    ASSOCIATION = "association"
    OTHER = "other"


ORG_TYPE_LABELS: dict[str, str] = {
    OrgType.CCAS: N_("municipal social action centre (CCAS)"),
    OrgType.MISSION_LOCALE: N_("mission locale"),
    OrgType.CENTRE_SOCIAL: N_("social centre"),
    OrgType.DEPARTEMENT: N_("departmental social services"),
    OrgType.FRANCE_TRAVAIL: N_("France Travail"),
    OrgType.ASSOCIATION: N_("association"),
    OrgType.OTHER: N_("other structure"),
}


class ReferralStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


REFERRAL_STATUS_LABELS: dict[str, str] = {
    ReferralStatus.PENDING: N_("waiting for an answer"),
    ReferralStatus.ACCEPTED: N_("accepted"),
    ReferralStatus.DECLINED: N_("declined"),
}


class ProofType(StrEnum):
    """Proofs a social worker may have seen; only the type and the date are ever recorded."""

    CAF = "attestation_caf"
    FRANCE_TRAVAIL = "attestation_france_travail"
    TAX_NOTICE = "avis_imposition"
    ID = "piece_identite"
    ADDRESS = "justificatif_domicile"
    DOMICILIATION = "attestation_domiciliation"
    STUDENT = "certificat_scolarite"
    PENSION = "attestation_retraite"
    OTHER = "autre"


PROOF_LABELS: dict[str, str] = {
    ProofType.CAF: N_("CAF certificate"),
    ProofType.FRANCE_TRAVAIL: N_("France Travail certificate"),
    ProofType.TAX_NOTICE: N_("tax notice"),
    ProofType.ID: N_("identity document"),
    ProofType.ADDRESS: N_("proof of address"),
    ProofType.DOMICILIATION: N_("postal address certificate (domiciliation)"),
    ProofType.STUDENT: N_("school or student certificate"),
    ProofType.PENSION: N_("pension certificate"),
    ProofType.OTHER: N_("other document"),
}


def clean_siret(value: str | None) -> str | None:
    """A SIRET as 14 digits, or None when empty; InvalidInput when the checksum fails."""
    if value is None or not value.strip():
        return None
    digits = re.sub(r"[\s.\-]", "", value)
    if not digits.isdigit() or len(digits) != 14:
        raise InvalidInput(N_("A SIRET has 14 digits: “{value}” does not."), value=value[:40])
    if not stdnum_siret.is_valid(digits):
        raise InvalidInput(N_("The SIRET “{value}” is not valid: a digit is probably mistyped."),
                           value=digits)
    return digits


def clean_phone(value: str | None) -> str | None:
    """A phone number in E.164 form (+33612345678), French by default; None when empty."""
    if value is None or not value.strip():
        return None
    number = None
    # No letters: phonenumbers would read them as keypad digits (06 12 ABC DEF → 06 12 222 333).
    if not re.search(r"[^\W\d_]", value):
        try:
            number = phonenumbers.parse(value[:40], "FR")
        except phonenumbers.NumberParseException:
            pass
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(N_("“{value}” is not a valid phone number."), value=value[:40])
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(value: str | None) -> str:
    """A stored number as people write it: 06 12 34 56 78 in France, international elsewhere."""
    if not value:
        return ""
    number = phonenumbers.parse(value, "FR")
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 33
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


def clean_email(value: str | None) -> str | None:
    """An e-mail address in normal form, or None when empty (no DNS lookup is made)."""
    if value is None or not value.strip():
        return None
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidInput(N_("“{value}” is not a valid e-mail address."),
                           value=value[:80]) from None


def check_birth_year(year: int, today: date) -> int:
    """A plausible birth year: not before 1900, not in the future."""
    if not OLDEST_BIRTH_YEAR <= year <= today.year:
        raise InvalidInput(N_("The birth year must be between {first} and {last}, not {year}."),
                           first=OLDEST_BIRTH_YEAR, last=today.year, year=year)
    return year


def read_birth_year(text: str) -> int:
    """A birth year as typed in a spreadsheet cell (1985); checked by ``check_birth_year``."""
    value = text.strip()
    if not (value.isascii() and value.isdigit() and len(value) == 4):
        raise InvalidInput(N_("“{value}” is not a year (for example 1985)."), value=value[:20])
    return int(value)


def check_last_contact(on: date, consent_on: date | None, today: date) -> date:
    """The last contact with a person: a day that has come, not before their consent (asking
    for it was a contact), and within the retention period (retention is counted from this
    day: older, the person would be anonymised at the next run)."""
    if on > today:
        raise InvalidInput(N_("The date of last contact cannot be in the future."))
    if consent_on is not None and on < consent_on:
        raise InvalidInput(N_("The date of last contact cannot be before the consent date: "
                              "asking for the consent was a contact."))
    if on < retention_cutoff(today):
        raise InvalidInput(N_("No contact for more than {months} months (last on {date}): "
                              "the data of this person must no longer be kept, so it is not "
                              "taken in."), months=RETENTION_MONTHS,
                           date=on.strftime("%d/%m/%Y"))
    return on


def check_notes(text: str) -> str:
    """Notes stay short and factual: at most 500 characters."""
    text = text.strip()
    if len(text) > NOTES_MAX:
        raise InvalidInput(N_("Notes are limited to {limit} characters (short and factual); "
                              "these have {length}."), limit=NOTES_MAX, length=len(text))
    return text


def fold(text: str) -> str:
    """Text compared without accents, case or punctuation: « Élodie N'Diaye » → elodie ndiaye."""
    # Ligatures first: NFKD leaves œ and æ alone, and "Lætitia" is searched as "laetitia".
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    bare = re.sub(r"['’`]", "", bare)
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


def search_key(first_name: str, last_name: str) -> str:
    """The folded name stored for search, as ``first last``."""
    return fold(f"{first_name} {last_name}")


def beneficiary_number(counter: int) -> str:
    """The printed beneficiary number for a counter value: ``B-00042-7``."""
    return encode(BENEFICIARY_PREFIX, counter)


@dataclass(frozen=True, slots=True)
class Query:
    """What a search box holds, read as a beneficiary number, a phone number or name words."""

    number: str | None = None
    phone: str | None = None
    words: tuple[str, ...] = ()


def read_query(text: str) -> Query:
    """Decide how to search: a valid number, else a phone, else the folded name words."""
    text = text.strip()[:100]
    try:
        return Query(number=str(decode(text, BENEFICIARY_PREFIX)))
    except InvalidTag:
        pass
    if sum(c.isdigit() for c in text) >= 6 and not re.search(r"[^\d\s+.()\-]", text):
        try:
            return Query(phone=clean_phone(text))
        except InvalidInput:
            return Query(words=(re.sub(r"\D", "", text),))
    return Query(words=tuple(fold(text).split()[:5]))


def duplicate_key(first_name: str, last_name: str, birth_year: int, phone: str | None) -> str:
    """Two records with the same key are probably the same person (spaces ignored too:
    "N'Diaye", "N Diaye" and "Ndiaye" are one name)."""
    name = search_key(first_name, last_name).replace(" ", "")
    return f"{name}|{birth_year}|{phone or ''}"


# What a referral may ask for: the kinds of devices and cards the association lends.
REQUESTABLE_KINDS = tuple(k.value for k in Kind)


def check_requested_kinds(kinds: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """At least one known kind, each once, in a stable order."""
    unknown = sorted(set(kinds) - set(REQUESTABLE_KINDS))
    if unknown:
        raise InvalidInput(N_("Unknown kind(s) of equipment: {kinds}; known kinds: {known}."),
                           kinds=", ".join(unknown), known=", ".join(REQUESTABLE_KINDS))
    if not kinds:
        raise InvalidInput(N_("Say what is requested: at least one kind of equipment."))
    return tuple(k for k in REQUESTABLE_KINDS if k in set(kinds))
