"""The page's language: script evidence for ja/ko/zh, then the declared language, then stopword
counts for Latin-script languages (``rules.STOPWORDS``)."""

from __future__ import annotations

import re

from crawler.extract import rules
from crawler.extract.text import HAN_RE, HANGUL_RE, KANA_RE, LETTER_RE

_WORD_RE = re.compile(r"[^\W\d_]+")
_STOPWORD_SETS = {lang: frozenset(words) for lang, words in rules.STOPWORDS.items()}


def page_language(declared: str | None, body: str, default: str | None) -> str | None:
    """Script evidence for ja/ko/zh beats the declaration; then the declaration; then stopwords."""
    declared_code = _language_code(declared)
    detected = _detect_script_language(body)
    if detected and detected != declared_code:
        return detected
    if declared_code:
        return declared_code
    return _detect_latin_language(body) or default


def _language_code(value: str | None) -> str | None:
    if not value:
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if 2 <= len(code) <= 3 and code.isalpha() else None


def _detect_script_language(text: str) -> str | None:
    sample = text[:5000]
    kana = len(KANA_RE.findall(sample))
    hangul = len(HANGUL_RE.findall(sample))
    han = len(HAN_RE.findall(sample))
    letters = len(LETTER_RE.findall(sample))
    if kana + han + hangul < 20:
        return None
    if kana >= rules.KANA_SHARE_JA * (kana + han) and kana > hangul:
        return "ja"
    if hangul >= rules.HANGUL_SHARE_KO * letters:
        return "ko"
    if han >= rules.HAN_SHARE_ZH * letters:
        return "zh"
    return None


def _detect_latin_language(text: str) -> str | None:
    words = [w.lower() for w in _WORD_RE.findall(text[:5000])]
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORD_SETS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= rules.MIN_STOPWORD_HITS else None
