"""Realistic example documents, for warming up the renderer, the benchmark and the demo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from inventory.documents.model import (
    AgreementData,
    AgreementItem,
    Association,
    Beneficiary,
    CardHandoverData,
    Deposit,
    DepositForm,
    ReturnedItem,
    ReturnReceiptData,
    Site,
    WipeCertificateData,
    WipeResult,
)

ASSOCIATION = Association(
    name="Espace de solidarité numérique",
    address="12 rue des Lilas, 93100 Montreuil",
    gdpr_contact="donnees-personnelles@esn.example.org",
    data_retention="pendant le prêt et jusqu’à trois ans après sa fin",
)
SITE = Site(
    name="Antenne Bel-Air", address="4 place Jules-Verne, 93100 Montreuil", city="Montreuil"
)
BENEFICIARY = Beneficiary(full_name="Amina Diallo", number="B-000042")

LAPTOP = AgreementItem(
    tag="ESN-00042-7",
    kind_label="Ordinateur portable",
    brand_model="Lenovo ThinkPad T480",
    serial="PF1ABCD2",
    grade="A",
    accessories=("chargeur", "housse", "souris"),
)
SMARTPHONE = AgreementItem(
    tag="ESN-00107-3",
    kind_label="Smartphone",
    brand_model="Samsung Galaxy A52",
    serial="IMEI 356789104512345",
    grade="B",
    accessories=("chargeur", "câble USB-C", "coque"),
)
SIM_CARD = AgreementItem(
    tag="ESN-00311-5",
    kind_label="Carte SIM prépayée",
    brand_model="Forfait 20 Go",
    serial="ICCID 8933150319123456789",
    grade="A+",
    operator="Orange",
    phone_number="06 12 34 56 78",
)


def sample_agreement(items: int = 3) -> AgreementData:
    """A two-page agreement with up to three items."""
    return AgreementData(
        reference="CP-2026-000123",
        association=ASSOCIATION,
        site=SITE,
        beneficiary=BENEFICIARY,
        items=(LAPTOP, SMARTPHONE, SIM_CARD)[:items],
        loan_date=date(2026, 11, 26),
        due_date=date(2027, 5, 26),
        deposit=Deposit(Decimal("50.00"), DepositForm.UNCASHED_CHEQUE),
        staff_name="Julien Martin",
        signature_city="Montreuil",
        learning_path="Recherche d’emploi en ligne",
    )


def sample_return_receipt() -> ReturnReceiptData:
    """A receipt for a laptop given back with a missing mouse."""
    return ReturnReceiptData(
        reference="RR-2026-000045",
        agreement_reference="CP-2026-000123",
        association=ASSOCIATION,
        site=SITE,
        beneficiary=BENEFICIARY,
        items=(
            ReturnedItem(
                tag=LAPTOP.tag,
                kind_label=LAPTOP.kind_label,
                brand_model=LAPTOP.brand_model,
                serial=LAPTOP.serial,
                condition="Bon état, usure normale",
                accessories_returned=("chargeur", "housse"),
                accessories_missing=("souris",),
            ),
        ),
        return_date=date(2027, 5, 20),
        staff_name="Julien Martin",
        deposit=Deposit(Decimal("50.00"), DepositForm.UNCASHED_CHEQUE),
        deposit_returned=True,
    )


def sample_wipe_certificate() -> WipeCertificateData:
    """A successful wipe of the sample laptop."""
    return WipeCertificateData(
        reference="EF-2026-000017",
        association=ASSOCIATION,
        site=SITE,
        tag=LAPTOP.tag,
        kind_label=LAPTOP.kind_label,
        brand_model=LAPTOP.brand_model,
        serial=LAPTOP.serial,
        method="NIST 800-88 Clear",
        tool="nwipe 0.34",
        operator="Karim Benali",
        wipe_date=date(2027, 5, 21),
        result=WipeResult.SUCCESS,
        details="SSD 256 Go, une passe, vérification complète",
    )


def sample_card_handover(voucher_code: str | None = None) -> CardHandoverData:
    """A prepaid card handed over; the code only when staff reveal it."""
    return CardHandoverData(
        reference="CC-2026-000009",
        association=ASSOCIATION,
        site=SITE,
        beneficiary=BENEFICIARY,
        operator="Orange",
        phone_number="06 12 34 56 78",
        iccid="8933150319123456789",
        data_allowance="20 Go",
        valid_until=date(2027, 2, 26),
        activation_steps=(
            "Éteignez le téléphone et insérez la carte SIM.",
            "Rallumez-le et saisissez le code PIN 0000.",
            "Composez le #123# et suivez les instructions pour activer la ligne.",
        ),
        handover_date=date(2026, 11, 26),
        staff_name="Julien Martin",
        voucher_code=voucher_code,
    )
