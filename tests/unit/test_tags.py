"""Asset tags: encode, decode and normalise, with the typing errors people make."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.errors import InvalidTag
from inventory.domain.tags import MAX_NUMBER, decode, encode, normalise

numbers = st.integers(min_value=1, max_value=MAX_NUMBER)
prefixes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=6)


def test_a_tag_has_a_prefix_a_padded_number_and_a_check_digit():
    assert encode("ESN", 42) == "ESN-00042-7"
    assert encode("ESN", 1234567) == "ESN-1234567-" + encode("ESN", 1234567)[-1]


@settings(max_examples=300)
@given(prefix=prefixes, number=numbers)
def test_decoding_an_encoded_tag_gives_it_back(prefix, number):
    tag = encode(prefix, number)
    decoded = decode(tag, prefix)
    assert (decoded.prefix, decoded.number) == (prefix, number)
    assert str(decoded) == tag


@settings(max_examples=200)
@given(number=numbers, data=st.data())
def test_case_spaces_and_dashes_do_not_matter(number, data):
    tag = encode("ESN", number)
    mangled = "".join(
        data.draw(st.sampled_from([ch.lower(), ch, ch + " "])) if ch != "-"
        else data.draw(st.sampled_from(["", "-", " ", " - "]))
        for ch in tag
    )
    assert str(decode(f"  {mangled}\t", "ESN")) == tag


def _body_and_check(tag: str) -> str:
    return tag.split("-", 1)[1].replace("-", "")


@settings(max_examples=300)
@given(number=numbers, data=st.data())
def test_any_single_wrong_digit_is_caught(number, data):
    digits = _body_and_check(encode("ESN", number))
    position = data.draw(st.integers(0, len(digits) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != digits[position]]))
    typed = "ESN" + digits[:position] + wrong + digits[position + 1:]
    with pytest.raises(InvalidTag):
        decode(typed, "ESN")


@settings(max_examples=300)
@given(number=numbers, data=st.data())
def test_any_swap_of_two_adjacent_different_digits_is_caught(number, data):
    digits = _body_and_check(encode("ESN", number))
    candidates = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1]]
    if not candidates:
        return
    i = data.draw(st.sampled_from(candidates))
    swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
    with pytest.raises(InvalidTag):
        decode("ESN" + swapped, "ESN")


def test_exhaustively_every_single_error_and_adjacent_swap_of_one_tag_is_caught():
    digits = _body_and_check(encode("ESN", 90817))
    typos = set()
    for i, ch in enumerate(digits):
        typos |= {digits[:i] + d + digits[i + 1:] for d in "0123456789" if d != ch}
        if i + 1 < len(digits) and digits[i] != digits[i + 1]:
            typos.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
    for typo in typos:
        with pytest.raises(InvalidTag):
            decode("ESN" + typo, "ESN")


def test_a_wrong_or_swapped_prefix_letter_is_caught():
    for typed in ("EDN-00042-7", "SEN-00042-7", "ES0-N0042-7"):
        with pytest.raises(InvalidTag):
            decode(typed, "ESN")


def test_a_scanner_on_a_french_keyboard_is_understood():
    # A US-configured scanner on an AZERTY keyboard types "àààç'" for "00094" and ")" for "-".
    tag = encode("ESN", 42)
    azerty = tag.translate(str.maketrans("0123456789-", "à&é\"'(-è_ç)"))
    assert azerty != tag
    assert str(decode(azerty, "ESN")) == tag


@pytest.mark.parametrize("garbage", ["", "   ", "ESN", "ESN-", "12345", "ESN-ABCDE-1",
                                     "ESN-00042-7-1", "x" * 10_000, "\x00\x1b[A", "ÉSN-00042-7"])
def test_garbage_is_refused_with_invalid_tag(garbage):
    with pytest.raises(InvalidTag):
        decode(garbage, "ESN")


def test_normalise_drops_separators_and_upper_cases():
    assert normalise(" esn-00042 7 ") == "ESN000427"


@pytest.mark.parametrize("prefix", ["", "esn", "TOOLONGX", "E1"])
def test_a_bad_prefix_cannot_be_configured(prefix):
    with pytest.raises(InvalidTag):
        encode(prefix, 1)


@pytest.mark.parametrize("number", [0, -1, MAX_NUMBER + 1])
def test_numbers_out_of_range_are_refused(number):
    with pytest.raises(InvalidTag):
        encode("ESN", number)
