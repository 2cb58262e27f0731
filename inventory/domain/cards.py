"""Connection cards: the checks of an operator's batch (ICCID, price, dates) and their expiry.

Pure rules; the card service reads the CSV, calls these, and saves in one transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from stdnum import luhn

from inventory.domain.errors import Conflict, Gettext, InvalidInput, N_
from inventory.domain.lifecycle import (
    STATE_LABELS, Family, Kind, State, allowed_moves, states_of,
)
from inventory.domain.people import clean_phone

MAX_PRICE_CENTS = 100_000  # 1,000 €, as the eligibility rules' card amount
MAX_VALIDITY_DAYS = 3650
MAX_TOP_UP_CENTS = 100_000
VOUCHER_LENGTH = (4, 64)
CARD_KINDS = (Kind.SIM, Kind.DATA_CARD)
BATCH_COLUMNS = (
    "kind", "operator", "product", "model", "iccid", "phone_number", "data_allowance_mb",
    "price_cents", "price_eur", "validity_days", "expires_on", "voucher_code",
)
REQUIRED_COLUMNS = ("operator", "iccid")
# States from which the lifecycle lets a card expire (in stock, reserved, issued, activated).
EXPIRABLE = tuple(s for s in states_of(Family.CARD)
                  if State.EXPIRED in allowed_moves(Family.CARD, s))
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_EUROS = re.compile(r"\d{1,7}([.,]\d{1,2})?")


@dataclass(frozen=True, slots=True)
class CardRow:
    """One checked line of an operator's batch; the voucher never leaves the card service."""

    kind: str
    operator: str
    model: str
    iccid: str
    phone_number: str
    data_allowance_mb: int | None
    price_cents: int
    validity_days: int | None
    expires_on: date | None
    voucher_code: str | None = field(repr=False)

    def item_fields(self) -> dict[str, object]:
        """The item's columns (everything but the kind and the voucher)."""
        return {"operator": self.operator, "model": self.model, "iccid": self.iccid,
                "phone_number": self.phone_number, "data_allowance_mb": self.data_allowance_mb,
                "price_cents": self.price_cents, "validity_days": self.validity_days,
                "expires_on": self.expires_on}


class WrongCardState(Conflict):
    """The card is not in a state where this can be done (activate, top up…)."""

    def __init__(self, message: str, tag: str, state: str) -> None:
        super().__init__(message, tag=tag, state=state)

    def render(self, gettext: Gettext) -> str:
        state = self.params["state"]
        return gettext(self.message).format(
            tag=self.params["tag"], state=gettext(STATE_LABELS.get(state, state)))


NOT_ACTIVATABLE = N_("Only a card handed over can be activated: {tag} is {state}.")
NOT_TOPPABLE = N_("{tag} cannot be topped up: it is {state}.")
NO_TOP_UP = (State.EXPIRED, State.RETIRED)


def check_iccid(value: str) -> str:
    """An ICCID: 19 or 20 digits (spaces allowed when typed) ending in a Luhn check digit."""
    digits = _SPACES.sub("", value or "")
    if not digits.isdigit() or not 19 <= len(digits) <= 20:
        raise InvalidInput(N_("An ICCID has 19 or 20 digits: “{value}” does not."),
                           value=(value or "")[:40])
    if not luhn.is_valid(digits):
        raise InvalidInput(N_("The ICCID “{value}” is not valid: its last digit does not "
                              "match, a digit is probably mistyped."), value=digits)
    return digits


def parse_euros(text: str) -> int:
    """A price in euros as written in France (“15,00”, “1 234,5 €”, or “15.00”), in cents."""
    cleaned = _SPACES.sub("", text or "").removesuffix("€")
    if not _EUROS.fullmatch(cleaned):
        raise InvalidInput(N_("“{value}” is not a price in euros (for example 15,00)."),
                           value=(text or "")[:20])
    return _check_price(int(Decimal(cleaned.replace(",", ".")) * 100))


def parse_price(cents: str | None, euros: str | None) -> int:
    """The price from either column: ``price_cents`` (1500) or ``price_eur`` (15,00)."""
    cents, euros = (cents or "").strip(), (euros or "").strip()
    if cents and euros:
        raise InvalidInput(N_("Give the price once: price_cents or price_eur, not both."))
    if euros:
        return parse_euros(euros)
    if not cents:
        raise InvalidInput(N_("The price is missing (price_cents or price_eur)."))
    if not cents.isdigit():
        raise InvalidInput(N_("“{value}” is not a price in cents (for example 1500)."),
                           value=cents[:20])
    return _check_price(int(cents))


def _check_price(cents: int) -> int:
    if not 0 <= cents <= MAX_PRICE_CENTS:
        raise InvalidInput(N_("The price must be between 0 and {max} €."),
                           max=MAX_PRICE_CENTS // 100)
    return cents


def parse_date(text: str) -> date:
    """A date written 2026-12-31 or 31/12/2026."""
    value = text.strip()
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, form).date()
        except ValueError:
            continue
    raise InvalidInput(N_("“{value}” is not a date (for example 31/12/2026)."), value=value[:20])


def _whole(text: str, name: str, low: int, high: int) -> int | None:
    value = _SPACES.sub("", text or "")
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise InvalidInput(N_("{column}: “{value}” is not a whole number between {low} and "
                              "{high}."), column=name, value=value[:20], low=low, high=high)
    return int(value)


def _kind(text: str) -> str:
    value = (text or "").strip() or Kind.SIM
    if value not in CARD_KINDS:
        raise InvalidInput(N_("Unknown kind of card “{value}”; known: {known}."),
                           value=value[:20], known=", ".join(CARD_KINDS))
    return value


def _voucher(text: str) -> str | None:
    value = (text or "").strip()
    if not value:
        return None
    low, high = VOUCHER_LENGTH
    # The code itself is never repeated in a message: error lists end up in logs and mails.
    if not low <= len(value) <= high:
        raise InvalidInput(N_("The voucher code must have {low} to {high} characters."),
                           low=low, high=high)
    return value


def card_row(cells: dict[str, str]) -> CardRow:
    """Check one line of a batch (cells by column name) and return it cleaned."""
    operator = " ".join((cells.get("operator") or "").split())
    if not operator:
        raise InvalidInput(N_("The operator is missing."))
    expires = (cells.get("expires_on") or "").strip()
    return CardRow(
        kind=_kind(cells.get("kind", "")),
        operator=operator[:60],
        model=" ".join((cells.get("product") or cells.get("model") or "").split())[:120],
        iccid=check_iccid(cells.get("iccid", "")),
        phone_number=clean_phone(cells.get("phone_number")) or "",
        data_allowance_mb=_whole(cells.get("data_allowance_mb", ""), "data_allowance_mb", 0,
                                 10_000_000),
        price_cents=parse_price(cells.get("price_cents"), cells.get("price_eur")),
        validity_days=_whole(cells.get("validity_days", ""), "validity_days", 1,
                             MAX_VALIDITY_DAYS),
        expires_on=parse_date(expires) if expires else None,
        voucher_code=_voucher(cells.get("voucher_code", "")),
    )


def expiry_date(activated_on: date, validity_days: int | None, *, given: date | None = None,
                current: date | None = None) -> date | None:
    """When an activated card expires: the date given, else activation plus its validity,
    else the date it already had. It stays usable on that day and expires the day after."""
    if given is not None:
        expires = given
    elif validity_days:
        expires = activated_on + timedelta(days=validity_days)
    else:
        expires = current
    if expires is not None and expires < activated_on:
        raise InvalidInput(N_("The card cannot expire before it was activated."))
    return expires


def check_activation_day(on: date, today: date) -> date:
    if on > today:
        raise InvalidInput(N_("The activation date cannot be in the future."))
    return on


def check_top_up(amount_cents: int, data_mb: int | None, on: date, today: date) -> None:
    """A top-up adds some credit, on a day that has come."""
    if not 0 < amount_cents <= MAX_TOP_UP_CENTS:
        raise InvalidInput(N_("A top-up must be between 0.01 € and {max} €."),
                           max=MAX_TOP_UP_CENTS // 100)
    if data_mb is not None and data_mb < 0:
        raise InvalidInput(N_("The data added cannot be negative."))
    if on > today:
        raise InvalidInput(N_("The top-up date cannot be in the future."))


def is_expired(expires_on: date | None, today: date) -> bool:
    """Expired from the day after the expiry date."""
    return expires_on is not None and expires_on < today
