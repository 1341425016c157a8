"""CJK ranges and tokenizers: one definition for extraction, SimHash and the eval."""

from __future__ import annotations

import re

import pytest

from crawler.extract.text import (
    CJK,
    HAN,
    HAN_RE,
    HANGUL,
    HANGUL_RE,
    KANA,
    KANA_RE,
    UNSPACED,
    units,
    word_tokens,
)
from crawler.load import simhash


@pytest.mark.parametrize(
    ("pattern", "inside", "outside"),
    [
        (HAN_RE, "漢\u3400\u4dbf\u4e00\u9fff\uf900\ufaff", "あア한ㄱa1。"),
        (KANA_RE, "\u3040あアー\u30ff", "漢한ㄱa1。"),
        # jamo, compatibility jamo (U+3130-318F), syllables
        (HANGUL_RE, "\u1100\u11ff\u3130ㄱㅋ\u318f가한\ud7af", "漢あアa1。"),
    ],
    ids=["han", "kana", "hangul"],
)
def test_each_range_holds_its_script_only(
    pattern: re.Pattern[str], inside: str, outside: str
) -> None:
    assert [c for c in inside if not pattern.fullmatch(c)] == []
    assert [c for c in outside if pattern.fullmatch(c)] == []


def test_cjk_is_the_three_ranges_and_unspaced_leaves_out_hangul() -> None:
    assert CJK == HAN + KANA + HANGUL
    assert UNSPACED == HAN + KANA
    assert re.fullmatch(f"[{CJK}]", "한") and not re.fullmatch(f"[{UNSPACED}]", "한")


def test_units_count_each_cjk_character_and_each_other_word() -> None:
    assert units("東京タワー Tokyo-Bay 서울 2024") == [
        *"東京タワー",
        "Tokyo",
        "Bay",
        "서",
        "울",
        "2024",
    ]


def test_a_hangul_compatibility_jamo_is_one_unit() -> None:
    assert units("ㅋㅋㅋ") == ["ㅋ", "ㅋ", "ㅋ"]
    assert units("okㅋ") == ["ok", "ㅋ"]  # it ends a word as other CJK characters do


def test_word_tokens_split_han_and_kana_keep_korean_words() -> None:
    assert word_tokens("東京タワー 서울타워 Seoul ㅋㅋ") == [
        *"東京タワー",
        "서울타워",
        "Seoul",
        "ㅋㅋ",
    ]


@pytest.mark.parametrize(
    ("text", "tokens", "fingerprint"),
    [
        (
            "서울시는 새로운 교통 계획을 발표했다. 시민들의 의견을 듣고 추진할 방침이다.",
            [
                "서울시는",
                "새로운",
                "교통",
                "계획을",
                "발표했다",
                "시민들의",
                "의견을",
                "듣고",
                "추진할",
                "방침이다",
            ],
            8188329890182299941,
        ),
        # NFKC maps compatibility jamo to jamo (U+314B -> U+110F): still one word
        ("ㅋㅋㅋ 정말 웃기다", ["\u110f\u110f\u110f", "정말", "웃기다"], 4857060330875923753),
        (
            "東京タワー 서울타워 Seoul",
            [*"東京タワー", "서울타워", "seoul"],
            -8787828334809266354,
        ),
    ],
    ids=["korean", "compatibility-jamo", "mixed"],
)
def test_simhash_tokens_and_values_of_korean_are_unchanged(
    text: str, tokens: list[str], fingerprint: int
) -> None:
    # Values computed with SimHash's own tokenizer before it moved here (VERSION 2).
    assert simhash.tokens(text) == tokens
    assert simhash.simhash(text) == fingerprint
