"""Decode fetched HTML bytes to text: BOM, HTTP charset, <meta> charset, detection, validated.

Declared charsets are hints, not facts: pages re-encoded to UTF-8 often keep their old
``<meta charset=gb2312>``. A declared legacy charset therefore loses to UTF-8 whenever the bytes
contain non-ASCII and decode strictly as UTF-8 (legacy multi-byte text almost never does).
Legacy names are widened to the superset codecs browsers actually use (WHATWG encoding spec).
"""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

LOGGER = logging.getLogger(__name__)

# How far into the document to look for <meta charset>: the HTML spec says 1024 bytes, real pages
# put long <head> scripts first, so we look further.
META_SCAN_BYTES = 4096
# Bytes handed to charset-normalizer when nothing was declared (it is slow on megabytes).
DETECT_SAMPLE_BYTES = 64 * 1024
# A declared charset that decodes with at most this share of undecodable bytes is still trusted
# (real pages have a stray broken byte or a truncated last character).
MAX_ERROR_RATIO = 0.001

# Legacy labels → the superset codec browsers decode them with. Keys are normalized with
# _normalize_label (lowercase, "_" → "-").
CHARSET_SUPERSETS: dict[str, str] = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb-2312-80": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "csbig5": "big5hkscs",
    "shift-jis": "cp932",
    "shift-jisx0213": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms-kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "ks-c-5601-1987": "cp949",
    "ks-c-5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "korean": "cp949",
    "windows-949": "cp949",
    "x-user-defined": "cp1252",
    # A document whose <meta> can be read as ASCII is not UTF-16/32 (HTML spec: treat as UTF-8).
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
    "utf-32": "utf-8",
}

# Order matters: UTF-32 BOMs start with the UTF-16 ones.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_META_CHARSET = re.compile(
    rb"""<meta\s[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _normalize_label(label: str) -> str:
    return label.strip().strip("\"'").lower().replace("_", "-")


def codec_for(label: str | None) -> str | None:
    """Python codec name for a charset label (widened to its superset), None if unknown."""
    if not label:
        return None
    name = _normalize_label(label)
    name = CHARSET_SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _meta_charset(html: bytes) -> str | None:
    match = _META_CHARSET.search(html[:META_SCAN_BYTES])
    return match.group(1).decode("ascii", "replace") if match else None


def _decode_tolerant(html: bytes, codec: str) -> str | None:
    """Strict decode, or one with a few replacements; None when the codec clearly does not fit."""
    try:
        return html.decode(codec)
    except UnicodeDecodeError:
        pass
    except LookupError:
        return None
    text = html.decode(codec, errors="replace")
    # U+FFFD count approximates the number of undecodable sequences.
    if text.count("\ufffd") <= max(1, len(html) * MAX_ERROR_RATIO):
        return text
    return None


def _strict_utf8(html: bytes) -> str | None:
    try:
        return html.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_html(html: bytes, declared: str | None = None) -> str:
    """Decode page bytes; ``declared`` is the HTTP Content-Type charset. Never raises."""
    if not html:
        return ""
    for bom, bom_codec in BOMS:
        if html.startswith(bom):
            return html[len(bom) :].decode(bom_codec, errors="replace")

    has_non_ascii = _NON_ASCII.search(html) is not None
    if not has_non_ascii:
        return html.decode("ascii")

    utf8_text: str | None = None
    utf8_checked = False
    for source, label in (("http", declared), ("meta", _meta_charset(html))):
        codec = codec_for(label)
        if codec is None:
            continue
        if codec != "utf-8":
            # Re-encoded pages keep their old legacy declaration: valid UTF-8 with non-ASCII wins.
            if not utf8_checked:
                utf8_text, utf8_checked = _strict_utf8(html), True
            if utf8_text is not None:
                LOGGER.debug("%s charset %s overridden: bytes are valid UTF-8", source, label)
                return utf8_text
        text = _decode_tolerant(html, codec)
        if text is not None:
            return text
        LOGGER.debug("%s charset %s does not decode these bytes", source, label)

    if not utf8_checked:
        utf8_text = _strict_utf8(html)
    if utf8_text is not None:
        return utf8_text
    return _detect(html)


def _detect(html: bytes) -> str:
    """charset-normalizer on a sample, then decode all with its codec; UTF-8 as a last resort."""
    try:
        best = from_bytes(html[:DETECT_SAMPLE_BYTES]).best()
    except Exception as err:  # defensive: detection must not break decoding of hostile bytes
        LOGGER.debug("charset detection failed: %r", err)
        best = None
    codec = codec_for(best.encoding) if best is not None else None
    if codec is not None:
        return html.decode(codec, errors="replace")
    return html.decode("utf-8", errors="replace")
