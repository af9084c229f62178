"""The prefix-tree pattern finds and replaces exactly what the plain longest-first alternation did.

Drawn over a three-letter alphabet (plus a regex metacharacter), so literals share prefixes, nest
in each other and overlap in the text: the cases where a tree could pick another match.
"""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.secrets.literals import alternation

BYTES = st.binary(min_size=0, max_size=40).map(lambda b: bytes(b"ab.c"[x % 4] for x in b))
LITERALS = st.lists(BYTES.filter(bool), min_size=1, max_size=12)


def plain(literals: list[bytes]) -> re.Pattern[bytes]:
    return re.compile(b"|".join(re.escape(x) for x in sorted(set(literals), key=lambda b: (-len(b), b))))


@settings(max_examples=400, deadline=None)
@given(literals=LITERALS, text=BYTES)
def test_same_matches_and_same_replacement_as_the_longest_first_alternation(literals, text) -> None:
    data = text + b"".join(literals) + text  # every literal present at least once
    tree, reference = alternation(literals), plain(literals)
    assert [m.span() for m in tree.finditer(data)] == [m.span() for m in reference.finditer(data)]
    assert tree.subn(b"#", data) == reference.subn(b"#", data)


def test_the_longer_literal_wins_where_both_start_and_a_failed_extension_falls_back() -> None:
    pattern = alternation([b"ab", b"abcd", b"x.y"])
    assert pattern.findall(b"abce abcd x.y xzy") == [b"ab", b"abcd", b"x.y"]


def test_no_literal_matches_nothing() -> None:
    assert alternation([]).search(b"anything") is None and alternation([b""]).search(b"x") is None


def test_a_long_literal_does_not_nest_one_group_per_byte() -> None:
    long = bytes(range(32, 127)) * 40  # 3 800 bytes: one group per byte would exceed re's nesting
    assert alternation([long, long + b"!"]).fullmatch(long + b"!")
