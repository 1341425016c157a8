"""Decoding page bytes: charset labels, BOM, HTTP and <meta> declarations, detection."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract import extract
from crawler.extract.encoding import codec_for, decode_html
from crawler.models import Article


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("GB2312", "gb18030"),
        ("gbk", "gb18030"),
        ("big5", "big5hkscs"),
        ("Shift_JIS", "cp932"),
        ("sjis", "cp932"),
        ("EUC-JP", "euc_jp"),
        ("ISO-8859-1", "cp1252"),
        ("latin1", "cp1252"),
        ("ks_c_5601-1987", "cp949"),
        ("euc-kr", "cp949"),
        ("utf8", "utf-8"),
        ("no-such-charset", None),
    ],
)
def test_codec_for_widens_legacy_labels(label: str, codec: str | None) -> None:
    assert codec_for(label) == codec


@pytest.mark.parametrize(
    "label",
    # Python codecs that are no WHATWG label (punycode: quadratic time), misspelt labels, and
    # the standard's "replacement" encodings (which decode to one U+FFFD): all ignored.
    ["punycode", "utf-7", "idna", "rot13", "unicode_escape", "base64", "utf-32", "latin-1",
     "utf_8", "iso-2022-kr", "hz-gb-2312"],
)  # fmt: skip
def test_codec_for_accepts_only_whatwg_labels(label: str) -> None:
    assert codec_for(label) is None


def test_decode_ignores_a_charset_that_is_not_a_whatwg_label() -> None:
    html = "<html><meta charset='punycode'><p>Núñez – 日本語</p></html>".encode()
    assert decode_html(html, declared="punycode") == html.decode()
    assert decode_html(b"<p>caf\xe9-abc</p>", declared="punycode") == "<p>café-abc</p>"


def test_meta_charset_is_found_after_many_unclosed_meta_tags() -> None:
    html = b"<meta " * 600 + b"><meta charset='koi8-r'><p>" + "Новости".encode("koi8-r")
    assert "Новости" in decode_html(html)


def test_decode_prefers_bom_over_declarations() -> None:
    html = "\ufeff<html><meta charset='gb2312'><p>日本語</p></html>".encode("utf-8")
    assert "日本語" in decode_html(html, declared="iso-8859-1")


def test_decode_http_charset_beats_meta() -> None:
    html = '<html><meta charset="utf-8"><p>한국어 기사</p></html>'.encode("cp949")
    assert "한국어 기사" in decode_html(html, declared="euc-kr")


def test_decode_prefers_utf8_over_wrong_legacy_declaration() -> None:
    html = '<meta charset="gb2312"><p>人民网 北京 电</p>'.encode()
    assert "人民网 北京 电" in decode_html(html)
    assert "Núñez" in decode_html("<p>Núñez</p>".encode(), declared="iso-8859-15")


def test_decode_detects_undeclared_legacy_charset() -> None:
    text = "<html><body><p>" + "東京都は新しい交通計画を発表した。" * 20 + "</p></body></html>"
    assert "新しい交通計画" in decode_html(text.encode("shift_jis"))


def test_decode_falls_back_when_declared_charset_does_not_fit() -> None:
    text = "<p>" + "北京市政府今天发布了新的交通规划。" * 20 + "</p>"
    assert "交通规划" in decode_html(text.encode("gb18030"), declared="shift_jis")


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(max_size=2000),
    declared=st.one_of(st.none(), st.sampled_from(["utf-8", "gbk", "x", "utf-16"])),
)
def test_decode_never_raises(data: bytes, declared: str | None) -> None:
    assert isinstance(decode_html(data, declared), str)


def test_extracted_text_is_nfc() -> None:
    decomposed = "Die Su\u0308dtiroler A\u0308rztekammer tagt heute. " * 12
    html = (
        "<html lang='de'><head><title>Gru\u0308ndung</title></head><body><article>"
        f"<h1>Gru\u0308ndung</h1><p>{decomposed}</p><p>{decomposed}</p></article></body></html>"
    ).encode()
    result = extract(html, "https://news.example/a/1")
    assert isinstance(result, Article)
    assert result.title == "Gründung"
    assert "Südtiroler Ärztekammer" in result.body
    assert unicodedata.is_normalized("NFC", result.body)
