"""The cleaner of the target's text (fixtures/core/untrusted.py): properties over any text, then examples."""
from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.core.untrusted import BLOCK_CAP, FIELD_CAP, clean, clean_block, escape, neutralize

#: Every code point the outputs must never receive from the target, by the issue's list.
_HOSTILE = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9b",
            "\u200b", "\u200e", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\ud800", "\udfff",
            "\ufdd0", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\U000e0041"]


def unsafe(char: str, *, block: bool = False) -> bool:
    """The rule, spelled with unicodedata rather than the module's regex, so one checks the other."""
    code = ord(char)
    if block and char in "\t\n":
        return False
    category = unicodedata.category(char)
    return (category in ("Cc", "Cf", "Cs") or 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE
            or (not block and category in ("Zl", "Zp")))


# Text with a good share of the characters that matter, not only what a random generator favours.
texts = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(_HOSTILE), st.sampled_from(" \t\n\r\\é…")),
                max_size=3000)


@settings(max_examples=300, deadline=None)
@given(texts, st.integers(min_value=40, max_value=FIELD_CAP * 2))
def test_a_field_has_no_unsafe_character_fits_its_cap_and_cleans_to_itself(text: str, limit: int) -> None:
    out = clean(text, limit)
    assert not [c for c in out if unsafe(c)]
    assert len(out) <= limit
    assert clean(out, limit) == out


@settings(max_examples=200, deadline=None)
@given(texts, st.integers(min_value=40, max_value=BLOCK_CAP))
def test_a_block_keeps_its_lines_but_no_unsafe_character(text: str, limit: int) -> None:
    out = clean_block(text, limit)
    assert not [c for c in out if unsafe(c, block=True)]
    assert len(out) <= limit
    assert clean_block(out, limit) == out


@settings(max_examples=200, deadline=None)
@given(texts)
def test_a_cleaned_text_is_always_valid_xml_and_survives_a_round_trip(text: str) -> None:
    out = clean(text)
    element = ET.Element("property", name="failure_alert", value=out)
    element.text = clean_block(text)
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode"))
    assert parsed.get("value") == out


def test_the_format_characters_known_to_the_cleaner_are_those_of_this_python() -> None:
    """The Cf set is spelled out (a regex, fast on 100 kB); a Unicode update must not leave one out."""
    format_characters = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    missed = [f"U+{ord(c):04X}" for c in format_characters if neutralize(c) == c]
    assert missed == []


def test_each_hostile_character_is_shown_as_its_escape_never_dropped() -> None:
    assert clean("a\x1b]0;title\x07b") == "a\\x1b]0;title\\x07b"
    assert clean("\x9b31mred") == "\\x9b31mred"
    assert clean("\u202eevil\u202c") == "\\u202eevil\\u202c"
    assert clean("tag\U000e0041") == "tag\\U000e0041"
    assert clean("\ud800") == "\\ud800"
    assert [escape(c) for c in "\x00\uffff"] == ["\\x00", "\\uffff"]


def test_whitespace_folds_into_one_line_and_french_text_is_untouched() -> None:
    assert clean("  Identifiant\n\tou  mot de passe\u2028incorrect. ") == "Identifiant ou mot de passe incorrect."
    assert clean("Votre demande n° AP-000123 « reçue » — 60 minutes…") == \
        "Votre demande n° AP-000123 « reçue » — 60 minutes…"


def test_a_long_text_is_cut_within_the_cap_with_its_whole_length() -> None:
    out = clean("alerte " * 20_000)
    assert len(out) <= FIELD_CAP
    assert out.startswith("alerte alerte")
    assert out.endswith("…[cut: 139999 chars]")


def test_a_cut_never_leaves_half_an_escape() -> None:
    out = clean("\x1b" * 1000, 60)
    assert out.endswith("…[cut: 4000 chars]")
    head = out.removesuffix("…[cut: 4000 chars]")
    assert head and head == "\\x1b" * (len(head) // 4)


def test_a_block_keeps_lines_and_tabs_and_shows_a_lone_carriage_return() -> None:
    assert clean_block("E   assert x\r\n\tat line 3\rfake\x1b[2K") == "E   assert x\n\tat line 3\\x0dfake\\x1b[2K"
