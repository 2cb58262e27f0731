"""Connection-card rules: ICCID check digit, prices as the French write them, expiry dates."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from inventory.domain.cards import (
    EXPIRABLE, NOT_TOPPABLE, WrongCardState, card_row, check_iccid, check_top_up, expiry_date, is_expired,
    parse_date, parse_euros, parse_price,
)
from inventory.domain.errors import InvalidInput
from inventory.i18n import gettext_for

GOOD_ICCID = "8933150319000000006"  # 19 digits, Luhn check digit 6


def with_check_digit(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def test_a_valid_iccid_is_kept_as_its_digits():
    assert check_iccid(GOOD_ICCID) == GOOD_ICCID
    assert check_iccid("8933 1503 1900 0000 006") == GOOD_ICCID


@given(st.text(alphabet="0123456789", min_size=18, max_size=19))
def test_any_body_with_its_luhn_digit_is_accepted_and_a_changed_digit_is_refused(body):
    iccid = with_check_digit(body)
    assert check_iccid(iccid) == iccid
    wrong = iccid[:-1] + str((int(iccid[-1]) + 1) % 10)
    with pytest.raises(InvalidInput):
        check_iccid(wrong)


@pytest.mark.parametrize("value", ["", "893315031900000000", "893315031900000000051",
                                   "89331503190000000A6", "8933150319000000005"])
def test_a_short_long_lettered_or_mistyped_iccid_is_refused(value):
    with pytest.raises(InvalidInput):
        check_iccid(value)


@pytest.mark.parametrize("text, cents", [
    ("15,00", 1500), ("15", 1500), ("9,9", 990), ("1 000,00", 100000), ("15,00 €", 1500),
    ("15.00", 1500), ("0", 0), ("15,00\u202f€", 1500),
])
def test_a_price_in_euros_is_read_with_a_decimal_comma(text, cents):
    assert parse_euros(text) == cents


@pytest.mark.parametrize("text", ["", "quinze", "15,001", "-5", "1e3", "2000,00", "15,,0"])
def test_a_price_that_is_not_euros_or_is_too_high_is_refused(text):
    with pytest.raises(InvalidInput):
        parse_euros(text)


def test_the_price_comes_from_either_column_but_not_both():
    assert parse_price("1500", None) == 1500
    assert parse_price("", "15,00") == 1500
    for cents, euros in (("1500", "15,00"), ("", ""), ("15,00", "")):
        with pytest.raises(InvalidInput):
            parse_price(cents, euros)


def test_dates_are_read_in_iso_or_french_form():
    assert parse_date("2026-12-31") == parse_date("31/12/2026") == date(2026, 12, 31)
    with pytest.raises(InvalidInput):
        parse_date("31.12.26")


def test_expiry_is_activation_plus_validity_unless_given_or_already_known():
    day = date(2026, 12, 1)
    assert expiry_date(day, 30) == date(2026, 12, 31)
    assert expiry_date(day, 30, given=date(2027, 1, 15)) == date(2027, 1, 15)
    assert expiry_date(day, None, current=date(2027, 2, 1)) == date(2027, 2, 1)
    assert expiry_date(day, None) is None
    with pytest.raises(InvalidInput):
        expiry_date(day, 30, given=date(2026, 11, 30))


def test_a_card_is_expired_from_the_day_after_its_expiry_date():
    assert not is_expired(date(2026, 12, 31), date(2026, 12, 31))
    assert is_expired(date(2026, 12, 31), date(2027, 1, 1))
    assert not is_expired(None, date(2027, 1, 1))


def test_a_top_up_adds_something_on_a_day_that_has_come():
    check_top_up(1000, None, date(2026, 12, 1), date(2026, 12, 1))
    for amount, on in ((0, date(2026, 12, 1)), (1000, date(2026, 12, 2))):
        with pytest.raises(InvalidInput):
            check_top_up(amount, None, on, date(2026, 12, 1))


def test_a_batch_line_is_cleaned_and_its_voucher_kept_apart_from_the_item_fields():
    row = card_row({"operator": " Orange ", "product": "Mobicarte 20 Go", "iccid": GOOD_ICCID,
                    "phone_number": "06 12 34 56 78", "data_allowance_mb": "20000",
                    "price_eur": "15,00", "validity_days": "30", "expires_on": "",
                    "voucher_code": "1234 5678 9012"})
    assert (row.kind, row.operator, row.model, row.price_cents) == ("sim", "Orange",
                                                                     "Mobicarte 20 Go", 1500)
    assert row.phone_number == "+33612345678" and row.validity_days == 30
    assert row.voucher_code == "1234 5678 9012"
    assert "1234 5678 9012" not in str(row.item_fields())


def test_a_bad_voucher_is_refused_without_being_repeated():
    with pytest.raises(InvalidInput) as refused:
        card_row({"operator": "Orange", "iccid": GOOD_ICCID, "price_cents": "100",
                  "voucher_code": "X" * 65})
    assert "XXXX" not in refused.value.render(gettext_for("fr"))


def test_a_card_in_the_wrong_state_is_named_in_french():
    error = WrongCardState(NOT_TOPPABLE, "ESN-00001-3", "expired")
    assert "ESN-00001-3" in error.render(gettext_for("fr"))
    assert "expirée" in error.render(gettext_for("fr"))


def test_a_batch_line_never_shows_its_voucher_when_printed():
    row = card_row({"operator": "Orange", "iccid": GOOD_ICCID, "price_cents": "100",
                    "voucher_code": "HIDDEN-123"})
    assert "HIDDEN-123" not in repr(row)


def test_cards_expire_from_every_state_the_lifecycle_allows():
    assert set(EXPIRABLE) == {"in_stock", "reserved", "issued", "activated"}
