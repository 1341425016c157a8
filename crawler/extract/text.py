"""CJK character ranges and the tokenizers built on them (extraction, SimHash and the eval).

Standard library only: the extraction workers and the SimHash of ``newsflow db migrate`` import it.
"""

from __future__ import annotations

import re

# Character ranges, as the inside of a regex character class.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # ideographs: ext. A, unified, compatibility
KANA = "\u3040-\u30ff"  # hiragana, katakana
HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"  # jamo, compatibility jamo, syllables
UNSPACED = HAN + KANA  # scripts written without spaces between words
CJK = UNSPACED + HANGUL

HAN_RE = re.compile(f"[{HAN}]")
KANA_RE = re.compile(f"[{KANA}]")
HANGUL_RE = re.compile(f"[{HANGUL}]")
LETTER_RE = re.compile(r"[^\W\d_]")
NOT_LETTERS_RE = re.compile(r"[\W\d_]+")  # what is not a letter: spaces, digits, punctuation

# One unit per CJK character (Han, kana, hangul), one per run of other word characters: body
# length (rules.MIN_BODY_UNITS) and the eval's bag of tokens.
_UNIT_RE = re.compile(rf"[{CJK}]|[^\W{CJK}]+")
# As units, except that hangul stays in words: Korean is written with spaces, so a Korean word is
# one token. SimHash tokens: a change here changes stored fingerprints (see load/simhash.py).
_WORD_TOKEN_RE = re.compile(rf"[{UNSPACED}]|[^\W{UNSPACED}]+")


def units(text: str) -> list[str]:
    """``text`` as units: each CJK character, each run of other word characters."""
    return _UNIT_RE.findall(text)


def word_tokens(text: str) -> list[str]:
    """``text`` as words, Han and kana characters one by one (hangul words stay whole)."""
    return _WORD_TOKEN_RE.findall(text)
