"""Plain, frozen inputs of the printed documents: what a renderer needs, nothing it looks up."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# Bump on any change to the agreement's wording or layout: the loan stores this version with
# the PDF's hash, and a reprint must use the template that was signed.
# 2026-11-2: the first of the month written "1er" (inventory.i18n.long_date).
AGREEMENT_TEMPLATE_VERSION = "2026-11-2"
RETURN_RECEIPT_TEMPLATE_VERSION = "2026-11-2"
WIPE_CERTIFICATE_TEMPLATE_VERSION = "2026-11-2"
CARD_HANDOVER_TEMPLATE_VERSION = "2026-11-2"


class DepositForm(enum.Enum):
    """How the deposit (caution) was given; the value is the French wording printed."""

    UNCASHED_CHEQUE = "chèque non encaissé"
    CASH = "espèces"
    WAIVED = "dispense"


class WipeResult(enum.Enum):
    """Outcome of a data wipe; the value is the French wording printed."""

    SUCCESS = "réussi"
    FAILURE = "échec"


@dataclass(frozen=True, slots=True)
class Association:
    """The lending association, with the contact for data-protection requests."""

    name: str
    address: str
    gdpr_contact: str  # e-mail or postal address where GDPR rights are exercised
    # Completes "Ces données sont conservées …", e.g. "jusqu'à trois ans après le prêt".
    data_retention: str


@dataclass(frozen=True, slots=True)
class Site:
    """The site (espace, antenne) where the item is lent and must be returned."""

    name: str
    address: str
    city: str  # where documents signed at the desk are "faits à"


@dataclass(frozen=True, slots=True)
class Beneficiary:
    """The person who borrows, as printed: full name and beneficiary number."""

    full_name: str
    number: str  # e.g. "B-000042"


@dataclass(frozen=True, slots=True)
class Deposit:
    """The deposit: an amount in euros (None when waived) and its form."""

    amount: Decimal | None
    form: DepositForm

    def __post_init__(self) -> None:
        if self.form is DepositForm.WAIVED and self.amount:
            raise ValueError("A waived deposit has no amount.")
        if self.form is not DepositForm.WAIVED and (self.amount is None or self.amount <= 0):
            raise ValueError("A deposit given by cheque or cash needs a positive amount.")


@dataclass(frozen=True, slots=True)
class AgreementItem:
    """One lent item: a device, or a connection card (then operator and phone number)."""

    tag: str
    kind_label: str  # French, e.g. "Ordinateur portable"
    brand_model: str
    serial: str  # serial number or IMEI / ICCID
    grade: str  # cosmetic grade A+ … D
    accessories: tuple[str, ...] = ()
    operator: str | None = None
    phone_number: str | None = None


@dataclass(frozen=True, slots=True)
class AgreementData:
    """Everything printed on a loan agreement (convention de prêt à usage)."""

    reference: str  # e.g. "CP-2026-000123"
    association: Association
    site: Site
    beneficiary: Beneficiary
    items: tuple[AgreementItem, ...]
    loan_date: date
    due_date: date
    deposit: Deposit
    staff_name: str
    signature_city: str
    learning_path: str | None = None
    template_version: str = AGREEMENT_TEMPLATE_VERSION

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("An agreement covers at least one item.")
        if self.due_date < self.loan_date:
            raise ValueError("The due date cannot precede the loan date.")


@dataclass(frozen=True, slots=True)
class ReturnedItem:
    """One item given back, with its condition and accessories checked at the desk."""

    tag: str
    kind_label: str
    brand_model: str
    serial: str
    condition: str  # e.g. "Bon état, usure normale" or the grade at return
    accessories_returned: tuple[str, ...] = ()
    accessories_missing: tuple[str, ...] = ()
    remark: str | None = None


@dataclass(frozen=True, slots=True)
class ReturnReceiptData:
    """A receipt (récépissé de restitution) handed to the person who gives items back."""

    reference: str  # e.g. "RR-2026-000045"
    agreement_reference: str
    association: Association
    site: Site
    beneficiary: Beneficiary
    items: tuple[ReturnedItem, ...]
    return_date: date
    staff_name: str
    deposit: Deposit
    deposit_returned: bool
    note: str | None = None
    template_version: str = RETURN_RECEIPT_TEMPLATE_VERSION


@dataclass(frozen=True, slots=True)
class WipeCertificateData:
    """A data-wipe certificate (attestation d'effacement) for one device."""

    reference: str  # e.g. "EF-2026-000017"
    association: Association
    site: Site
    tag: str
    kind_label: str
    brand_model: str
    serial: str
    method: str  # e.g. "NIST 800-88 Clear"
    tool: str  # e.g. "nwipe 0.34"
    operator: str
    wipe_date: date
    result: WipeResult
    details: str | None = None
    template_version: str = WIPE_CERTIFICATE_TEMPLATE_VERSION


@dataclass(frozen=True, slots=True)
class CardHandoverData:
    """A connection-card handover slip; ``voucher_code`` is set only when staff reveal it."""

    reference: str  # e.g. "CC-2026-000009"
    association: Association
    site: Site
    beneficiary: Beneficiary
    operator: str
    phone_number: str
    iccid: str
    data_allowance: str  # e.g. "20 Go"
    valid_until: date
    activation_steps: tuple[str, ...]
    handover_date: date
    staff_name: str
    voucher_code: str | None = None
    returnable: bool = False  # a SIM lent inside a hotspot comes back with it
    template_version: str = CARD_HANDOVER_TEMPLATE_VERSION
