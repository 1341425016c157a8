"""SimHash, property-based: a fingerprint is a function of the text alone, equal to the plain
definition of the module docstring (the fast code moves bytes through big integers and memory
views, where an off-by-one stride or a byte-order slip would still give plausible numbers)."""

from __future__ import annotations

import hashlib

from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawler.load import simhash as sh

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
_WORDS = st.lists(st.sampled_from(["harbour", "ferry", "東", "京", "서울", "vote", "2026", "x"]))


def _reference(text: str) -> int | None:
    """The module docstring's definition, written the obvious way."""
    words = sh.tokens(text)
    if not words:
        return None

    def position_hash(token: str, position: int) -> int:
        digest = hashlib.blake2b(token.encode(), digest_size=24, person=b"newsflow-sh2").digest()
        return int.from_bytes(digest[8 * position : 8 * position + 8], "little")

    shingles = set()  # each distinct shingle once
    for start in range(max(1, len(words) - sh.SHINGLE + 1)):
        value = 0
        for position, token in enumerate(words[start : start + sh.SHINGLE]):
            value ^= position_hash(token, position)
        shingles.add(value)
    fingerprint = sum(
        1 << bit
        for bit in range(64)
        if 2 * sum(value >> bit & 1 for value in shingles) > len(shingles)
    )
    return fingerprint - (1 << 64) if fingerprint >= 1 << 63 else fingerprint


@settings(max_examples=300)
@given(st.one_of(_TEXT, _WORDS.map(" ".join)))
@example("a b")  # fewer tokens than a shingle
@example("tide tide tide tide tide")  # one distinct shingle, repeated
def test_simhash_is_its_definition(text: str) -> None:
    assert sh.simhash(text) == _reference(text)


@settings(max_examples=100)
@given(_TEXT, st.lists(_TEXT, max_size=5))
def test_simhash_does_not_depend_on_what_was_hashed_before(text: str, others: list[str]) -> None:
    """The token cache (filled by other pages, emptied when full) never changes a value."""
    sh._TOKEN_HASHES.clear()
    cold = sh.simhash(text)
    for other in others:
        sh.simhash(other)
    assert sh.simhash(text) == cold
    limit = sh._MAX_CACHED_TOKENS
    try:
        sh._MAX_CACHED_TOKENS = 3  # emptied in the middle of a text
        assert sh.simhash(text) == cold
    finally:
        sh._MAX_CACHED_TOKENS = limit
        sh._TOKEN_HASHES.clear()
