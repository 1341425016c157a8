"""Decode fetched HTML bytes to text: BOM, HTTP charset, <meta> charset, detection, validated.

Declared charsets are hints, not facts: pages re-encoded to UTF-8 often keep their old
``<meta charset=gb2312>``. A declared legacy charset therefore loses to UTF-8 whenever the bytes
contain non-ASCII and decode strictly as UTF-8 (legacy multi-byte text almost never does).
Only labels of the WHATWG Encoding Standard are accepted, mapped to the codecs browsers decode
them with (``webencodings``' table, widened where a superset is used); any other label is ignored
as browsers do: a page cannot pick an arbitrary Python codec (``charset=punycode`` decoded a
400 KB page in quadratic time).
"""

from __future__ import annotations

import codecs
import logging
import re

import webencodings
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

# WHATWG encodings (by their standard name) decoded with another codec than webencodings' own.
WIDER_CODECS: dict[str, str] = {
    "gbk": "gb18030",  # the standard's GBK decoder is its gb18030 decoder
    # A document whose <meta> can be read as ASCII is not UTF-16 (HTML spec: treat as UTF-8).
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
    "x-user-defined": "cp1252",
}
# WHATWG encodings that decode nothing (the standard's "replacement": ISO-2022-KR, HZ…): their
# labels are ignored, so the bytes are decoded as UTF-8 or detected.
IGNORED_ENCODINGS = frozenset({"replacement"})

# Order matters: UTF-32 BOMs start with the UTF-16 ones.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# A <meta> tag up to its ">", then its charset within: linear, where one pattern searching for
# "charset" lazily from every "<meta" re-scanned the tag's rest from each (4 KB of "<meta ": 0.4 s).
_META_TAG = re.compile(rb"<meta\s[^>]*", re.IGNORECASE)
_META_TAG_START = len(b"<meta ")
_CHARSET_ATTR = re.compile(rb"""charset\s*=\s*(?:["']\s*)?([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def codec_for(label: str | None) -> str | None:
    """Python codec for a WHATWG Encoding Standard label (widened to its superset), None for
    any other label."""
    if not label:
        return None
    encoding = webencodings.lookup(label.strip().strip("\"'"))
    if encoding is None or encoding.name in IGNORED_ENCODINGS:
        return None
    return WIDER_CODECS.get(encoding.name, encoding.codec_info.name)


def _meta_charset(html: bytes) -> str | None:
    for tag in _META_TAG.finditer(html[:META_SCAN_BYTES]):
        match = _CHARSET_ATTR.search(tag.group(), _META_TAG_START)
        if match:
            return match.group(1).decode("ascii", "replace")
    return None


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
    codec = _detected_codec(best.encoding) if best is not None else "utf-8"
    return html.decode(codec, errors="replace")


def _detected_codec(name: str) -> str:
    """Codec for charset-normalizer's pick, a Python codec name ("latin_1", "euc_kr"): widened as
    the WHATWG label spelled alike is, else as detected (its candidates are table codecs)."""
    for label in (name, name.replace("_", "-"), name.replace("_", "")):
        codec = codec_for(label)
        if codec is not None:
            return codec
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"
