"""People's data on the way in: SIRET, phone, e-mail, birth year, notes, names and searches."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.errors import InvalidInput
from inventory.domain.lifecycle import Kind
from inventory.domain.people import (
    NOTES_MAX,
    OLDEST_BIRTH_YEAR,
    REQUESTABLE_KINDS,
    Query,
    beneficiary_number,
    check_birth_year,
    check_notes,
    check_requested_kinds,
    clean_email,
    clean_phone,
    clean_siret,
    display_phone,
    duplicate_key,
    fold,
    read_query,
    search_key,
)
from inventory.domain.tags import damm_digit, decode

TODAY = date(2026, 6, 15)


def identity(text: str) -> str:
    return text


def rendered(exc: pytest.ExceptionInfo[InvalidInput]) -> str:
    return exc.value.render(identity)


# --- SIRET -------------------------------------------------------------------------------


@pytest.mark.parametrize("siret", ["73282932000074", "35600000000048"])
def test_a_valid_siret_comes_back_as_its_14_digits(siret):
    assert clean_siret(siret) == siret


@pytest.mark.parametrize("typed", ["732 829 320 00074", "732.829.320.00074",
                                   "732-829-320-00074", "  73282932000074\t"])
def test_spaces_dots_and_dashes_in_a_siret_are_dropped(typed):
    assert clean_siret(typed) == "73282932000074"


def test_la_poste_siret_is_accepted_despite_failing_luhn():
    # La Poste's establishments follow their own rule (sum of digits), not Luhn.
    assert clean_siret("356 000 000 00048") == "35600000000048"


@pytest.mark.parametrize("empty", [None, "", "   ", "\t\n"])
def test_an_empty_siret_is_none(empty):
    assert clean_siret(empty) is None


@pytest.mark.parametrize("mistyped", ["73282932000075", "73282932100074", "83282932000074",
                                      "35600000000049"])
def test_a_siret_with_one_wrong_digit_is_refused_with_the_digits(mistyped):
    with pytest.raises(InvalidInput) as exc:
        clean_siret(mistyped[:3] + " " + mistyped[3:])
    assert exc.value.params == {"value": mistyped}
    assert mistyped in rendered(exc)
    assert "mistyped" in exc.value.message


@pytest.mark.parametrize("wrong_shape", ["7328293200007", "732829320000744", "7328293200007A",
                                         "SIRET 73282932000074", "７３２８２９３２０００７４"])
def test_a_siret_that_is_not_14_ascii_digits_is_refused_with_what_was_typed(wrong_shape):
    with pytest.raises(InvalidInput) as exc:
        clean_siret(wrong_shape)
    assert "14 digits" in exc.value.message
    assert exc.value.params["value"] == wrong_shape
    assert wrong_shape in rendered(exc)


def test_a_very_long_siret_is_quoted_back_only_in_part():
    typed = "1" * 200
    with pytest.raises(InvalidInput) as exc:
        clean_siret(typed)
    assert exc.value.params["value"] == "1" * 40


@settings(max_examples=200)
@given(st.from_regex(r"\A[0-9]{14}\Z"))
def test_any_accepted_siret_is_14_ascii_digits(digits):
    try:
        cleaned = clean_siret(digits)
    except InvalidInput:
        return
    assert cleaned == digits and len(cleaned) == 14 and cleaned.isascii()


# --- Phone -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78",
                                   "0612345678", "+33 6 12 34 56 78", "+33612345678",
                                   "0033612345678", "+33 (0)6 12 34 56 78", " 06 12 34 56 78 "])
def test_a_french_mobile_in_any_usual_spelling_is_stored_in_e164(typed):
    assert clean_phone(typed) == "+33612345678"


@settings(max_examples=200)
@given(block=st.sampled_from(["612", "661", "678", "698", "751", "781"]),
       line=st.integers(min_value=0, max_value=999_999),
       style=st.sampled_from(["national", "dots", "dashes", "plus", "plus_spaces", "double_zero"]))
def test_every_french_mobile_spelling_gives_the_same_e164_number(block, line, style):
    # Blocks allocated to mobile operators (not every 06/07 block is).
    digits = f"{block}{line:06d}"  # 9 digits after the 0 or +33
    pairs = [digits[i:i + 2] for i in range(1, 9, 2)]
    head = "0" + digits[0]
    spelt = {
        "national": "0" + digits,
        "dots": ".".join([head, *pairs]),
        "dashes": "-".join([head, *pairs]),
        "plus": "+33" + digits,
        "plus_spaces": " ".join(["+33", digits[0], *pairs]),
        "double_zero": "0033" + digits,
    }[style]
    assert clean_phone(spelt) == "+33" + digits


def test_a_french_landline_and_a_foreign_number_are_stored_in_e164():
    assert clean_phone("01 23 45 67 89") == "+33123456789"
    assert clean_phone("+44 7911 123456") == "+447911123456"


@pytest.mark.parametrize("empty", [None, "", "  "])
def test_an_empty_phone_is_none(empty):
    assert clean_phone(empty) is None


@pytest.mark.parametrize("wrong", ["12345", "06 12 34 56 78 9", "06 12 34 56 7", "+33",
                                   "pas de téléphone", "06 DUPONT", "++33 6"])
def test_an_invalid_phone_is_refused_with_what_was_typed(wrong):
    with pytest.raises(InvalidInput) as exc:
        clean_phone(wrong)
    assert exc.value.params == {"value": wrong}
    assert wrong in rendered(exc)


@pytest.mark.parametrize("with_letters", ["06 12 ABC DEF", "06 12 34 AB CD", "0800 FLOWERS"])
def test_letters_in_a_phone_are_refused_rather_than_read_as_keypad_digits(with_letters):
    # The phone library would turn ABC into 222 and store somebody else's number.
    with pytest.raises(InvalidInput):
        clean_phone(with_letters)


def test_a_long_invalid_phone_is_quoted_back_only_in_part():
    with pytest.raises(InvalidInput) as exc:
        clean_phone("9" * 100)
    assert exc.value.params["value"] == "9" * 40


def test_a_french_number_is_displayed_as_people_write_it():
    assert display_phone("+33612345678") == "06 12 34 56 78"
    assert display_phone("+33123456789") == "01 23 45 67 89"


def test_a_foreign_number_is_displayed_in_international_form():
    assert display_phone("+447911123456") == "+44 7911 123456"


@pytest.mark.parametrize("empty", [None, ""])
def test_no_phone_is_displayed_as_nothing(empty):
    assert display_phone(empty) == ""


@settings(max_examples=100)
@given(block=st.sampled_from(["612", "661", "751"]), line=st.integers(0, 999_999))
def test_a_displayed_french_mobile_cleans_back_to_the_stored_number(block, line):
    national = f"0{block}{line:06d}"
    stored = "+33" + national[1:]
    shown = display_phone(stored)
    assert shown == " ".join(national[i:i + 2] for i in range(0, 10, 2))
    assert clean_phone(shown) == stored


# --- E-mail ------------------------------------------------------------------------------


def test_an_email_is_trimmed_and_its_domain_lower_cased():
    assert clean_email("  Marie.Dupont@Example.FR ") == "Marie.Dupont@example.fr"


def test_a_plain_email_is_kept_as_typed():
    assert clean_email("marie.dupont+esn@exemple.fr") == "marie.dupont+esn@exemple.fr"


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_an_empty_email_is_none(empty):
    assert clean_email(empty) is None


@pytest.mark.parametrize("wrong", ["nope", "marie@", "@exemple.fr", "marie@@exemple.fr",
                                   "marie dupont@exemple.fr", "marie@exemple", "marie@exemple..fr"])
def test_an_invalid_email_is_refused_with_what_was_typed(wrong):
    with pytest.raises(InvalidInput) as exc:
        clean_email(wrong)
    assert exc.value.params == {"value": wrong}
    assert wrong in rendered(exc)


def test_a_long_invalid_email_is_quoted_back_only_in_part():
    typed = "x" * 300 + "@"
    with pytest.raises(InvalidInput) as exc:
        clean_email(typed)
    assert exc.value.params["value"] == "x" * 80


def test_checking_an_email_makes_no_dns_lookup(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("an e-mail check must not use the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert clean_email("someone@no-such-domain-esn-tests.fr") == \
        "someone@no-such-domain-esn-tests.fr"


# --- Birth year and notes ----------------------------------------------------------------


@pytest.mark.parametrize("year", [OLDEST_BIRTH_YEAR, 1985, TODAY.year])
def test_a_plausible_birth_year_is_kept(year):
    assert check_birth_year(year, TODAY) == year


@pytest.mark.parametrize("year", [OLDEST_BIRTH_YEAR - 1, 0, -5, TODAY.year + 1, 20260])
def test_a_birth_year_before_1900_or_in_the_future_is_refused(year):
    with pytest.raises(InvalidInput) as exc:
        check_birth_year(year, TODAY)
    assert exc.value.params == {"first": 1900, "last": TODAY.year, "year": year}
    text = rendered(exc)
    assert str(year) in text and "1900" in text and str(TODAY.year) in text


def test_the_last_allowed_birth_year_follows_today():
    assert check_birth_year(2027, date(2027, 1, 1)) == 2027
    with pytest.raises(InvalidInput):
        check_birth_year(2027, date(2026, 12, 31))


def test_notes_are_trimmed():
    assert check_notes("  Suivi par Mme X.\n") == "Suivi par Mme X."


def test_notes_of_exactly_the_limit_are_kept():
    assert check_notes("a" * NOTES_MAX) == "a" * NOTES_MAX


def test_the_limit_counts_notes_after_trimming():
    assert check_notes("  " + "a" * NOTES_MAX + "  ") == "a" * NOTES_MAX


def test_notes_over_the_limit_are_refused_with_their_length():
    with pytest.raises(InvalidInput) as exc:
        check_notes("a" * (NOTES_MAX + 1))
    assert exc.value.params == {"limit": 500, "length": 501}
    text = rendered(exc)
    assert "500" in text and "501" in text


# --- Folding names and searching ---------------------------------------------------------


@pytest.mark.parametrize(("text", "folded"), [
    ("Élodie N'Diaye", "elodie ndiaye"),
    ("Élodie N’Diaye", "elodie ndiaye"),
    ("JEAN-PIERRE", "jean pierre"),
    ("  François   Müller  ", "francois muller"),
    ("Zoë, Anaïs & Noël.", "zoe anais noel"),
    ("ÇA", "ca"),
    ("Straße", "strasse"),
    ("", ""),
])
def test_fold_drops_accents_case_and_punctuation(text, folded):
    assert fold(text) == folded


@settings(max_examples=200)
@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@settings(max_examples=200)
@given(st.text())
def test_fold_leaves_no_upper_case_no_accent_and_single_spaces(text):
    folded = fold(text)
    assert folded == folded.strip()
    assert "  " not in folded
    assert not any(unicodedata.combining(c) for c in folded)
    assert not any(c in "'’`-,." for c in folded)


FRENCH_ACCENTS = {"a": "àâä", "e": "éèêë", "i": "îï", "o": "ôö", "u": "ùûü", "c": "ç", "y": "ÿ"}
french_letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyz -'", max_size=30)


@settings(max_examples=200)
@given(text=french_letters, data=st.data())
def test_fold_ignores_case_and_french_accents(text, data):
    accented = "".join(data.draw(st.sampled_from([c, *FRENCH_ACCENTS.get(c, "")])) for c in text)
    assert fold(accented) == fold(text)
    assert fold(accented.upper()) == fold(text)
    assert fold(accented.title()) == fold(text)


def test_search_key_is_first_then_last_name_folded():
    assert search_key("Élodie", "N'Diaye") == "elodie ndiaye"
    assert search_key("  Jean-Luc ", "DE LA FONTAINE") == "jean luc de la fontaine"


def test_beneficiary_numbers_are_a_padded_counter_and_a_damm_digit():
    assert beneficiary_number(42) == "B-00042-7"
    assert beneficiary_number(1234567) == f"B-1234567-{damm_digit('1234567')}"


@pytest.mark.parametrize("counter", [0, -1])
def test_a_beneficiary_number_needs_a_positive_counter(counter):
    with pytest.raises(InvalidInput):
        beneficiary_number(counter)


numbers = st.integers(min_value=1, max_value=10**6)


@settings(max_examples=200)
@given(numbers)
def test_a_beneficiary_number_is_read_back_as_a_number(n):
    number = beneficiary_number(n)
    assert read_query(number) == Query(number=number)
    assert decode(number, "B").number == n


@settings(max_examples=200)
@given(n=numbers, separator=st.sampled_from([" ", "", ".", "  ", " - "]))
def test_a_beneficiary_number_typed_lower_case_or_with_spaces_is_read_back(n, separator):
    number = beneficiary_number(n)
    typed = f"  {number.lower().replace('-', separator)} "
    assert read_query(typed) == Query(number=number)


def test_a_beneficiary_number_with_a_wrong_check_digit_is_not_read_as_a_number():
    query = read_query("B-00042-8")
    assert query.number is None and query.phone is None
    assert query.words == ("b", "00042", "8")


def test_another_prefix_is_not_read_as_a_beneficiary_number():
    assert read_query("ESN-00042-7").number is None


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78",
                                   "0033612345678", "(0)6 12 34 56 78"])
def test_a_phone_number_is_read_as_a_phone(typed):
    assert read_query(typed) == Query(phone="+33612345678")


@pytest.mark.parametrize(("typed", "digits"), [("123456", "123456"),
                                                 ("12 34 56 78 90 12", "123456789012")])
def test_digits_that_are_no_phone_are_searched_as_one_word(typed, digits):
    assert read_query(typed) == Query(words=(digits,))


def test_fewer_than_six_digits_are_searched_as_words():
    assert read_query("12 345") == Query(words=("12", "345"))


@pytest.mark.parametrize(("typed", "words"), [
    ("Élodie N'Diaye", ("elodie", "ndiaye")),
    ("  DUPONT ", ("dupont",)),
    ("dupont 1985", ("dupont", "1985")),
    ("tel 06 12 34 56 78", ("tel", "06", "12", "34", "56")),
    ("a b c d e f g", ("a", "b", "c", "d", "e")),
])
def test_names_are_searched_as_at_most_five_folded_words(typed, words):
    assert read_query(typed) == Query(words=words)


@pytest.mark.parametrize("blank", ["", "   ", "-", "''"])
def test_a_blank_search_has_nothing_to_look_for(blank):
    assert read_query(blank) == Query()


def test_a_search_reads_only_the_first_hundred_characters():
    assert read_query("a " * 40 + "b" * 30 + "zzz").words[-1] == "a"
    long_name = "x" * 150
    assert read_query(long_name).words == ("x" * 100,)


@settings(max_examples=200)
@given(st.text(max_size=120))
def test_a_search_is_always_exactly_one_of_number_phone_or_words(text):
    query = read_query(text)
    kinds = [query.number is not None, query.phone is not None, bool(query.words)]
    assert sum(kinds) <= 1
    assert len(query.words) <= 5
    if query.phone is not None:
        assert query.phone.startswith("+")


def test_duplicate_key_joins_folded_name_birth_year_and_phone():
    assert duplicate_key("Élodie", "N'Diaye", 1990, "+33612345678") == \
        "elodiendiaye|1990|+33612345678"
    assert duplicate_key("Élodie", "N'Diaye", 1990, None) == "elodiendiaye|1990|"
    assert duplicate_key("Elodie", "N Diaye", 1990, None) == "elodiendiaye|1990|"


def test_duplicate_key_is_the_same_however_the_name_is_typed():
    assert duplicate_key("ELODIE", "n’diaye", 1990, None) == \
        duplicate_key("Élodie", "N'Diaye", 1990, None)


def test_duplicate_key_differs_by_birth_year_and_phone():
    base = duplicate_key("Élodie", "N'Diaye", 1990, None)
    assert duplicate_key("Élodie", "N'Diaye", 1991, None) != base
    assert duplicate_key("Élodie", "N'Diaye", 1990, "+33612345678") != base


# --- Requested kinds ---------------------------------------------------------------------


def test_every_kind_of_equipment_may_be_requested():
    assert set(REQUESTABLE_KINDS) == {k.value for k in Kind}


def test_requested_kinds_come_back_once_each_in_a_stable_order():
    assert check_requested_kinds(["sim", "laptop", "sim"]) == ("laptop", "sim")
    assert check_requested_kinds(("sim", "laptop")) == check_requested_kinds(["laptop", "sim"])


def test_kind_enum_members_are_accepted():
    assert check_requested_kinds([Kind.TABLET]) == ("tablet",)


@settings(max_examples=100)
@given(st.lists(st.sampled_from(REQUESTABLE_KINDS), min_size=1))
def test_requested_kinds_are_the_set_asked_for_in_catalogue_order(kinds):
    result = check_requested_kinds(kinds)
    assert set(result) == set(kinds)
    assert len(result) == len(set(result))
    assert list(result) == sorted(result, key=REQUESTABLE_KINDS.index)


def test_asking_for_nothing_is_refused():
    with pytest.raises(InvalidInput) as exc:
        check_requested_kinds([])
    assert exc.value.params == {}
    assert "at least one" in rendered(exc)


def test_unknown_kinds_are_refused_naming_them_and_the_known_ones():
    with pytest.raises(InvalidInput) as exc:
        check_requested_kinds(["pc", "laptop", "Laptop"])
    assert exc.value.params["kinds"] == "Laptop, pc"
    text = rendered(exc)
    assert "Laptop, pc" in text
    for kind in REQUESTABLE_KINDS:
        assert kind in text

