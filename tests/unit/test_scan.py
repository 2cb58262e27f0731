"""Scan resolution: whatever a scanner or camera produced becomes the canonical tag."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.errors import InvalidTag
from inventory.domain.scan import item_url, resolve_code
from inventory.domain.tags import encode

TAG = encode("ESN", 42)


@pytest.mark.parametrize("scanned", [
    TAG, TAG.lower(), "esn 00042 7", "ESN000427", f"  {TAG}\r\n", f"\x02{TAG}\x03",
    f"http://127.0.0.1:8000/i/{TAG}", f"https://inventaire.esn-aubiers.fr/i/{TAG}?src=qr",
    f"https://inventaire.esn-aubiers.fr/i/{TAG.lower()}#x", item_url("http://x.org/", TAG),
])
def test_every_form_a_scanner_produces_resolves_to_the_tag(scanned):
    assert resolve_code(scanned, "ESN") == TAG


def test_the_qr_url_is_the_base_url_and_the_tag():
    assert item_url("https://inventaire.example.org/", TAG) == (
        f"https://inventaire.example.org/i/{TAG}")


@pytest.mark.parametrize("scanned", ["", "hello", "https://example.org/", "/i/", "/i/ESN-00042-8",
                                     "x" * 10_000, "\x00" * 50, "ESN-00042-7" * 3])
def test_anything_else_is_refused_as_not_a_tag(scanned):
    with pytest.raises(InvalidTag):
        resolve_code(scanned, "ESN")


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_resolution_never_fails_with_anything_but_invalid_tag(text):
    try:
        assert resolve_code(text, "ESN").startswith("ESN-")
    except InvalidTag:
        pass
