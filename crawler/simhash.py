"""64-bit SimHash of an article body, for near-duplicate detection (syndicated copies).

Tokens are words, except in Chinese, Japanese (kana and kanji) and Korean Hanja, where every
character is a token (no spaces to split on); shingles are 3 consecutive tokens, each hashed with
BLAKE2b to 64 bits. Bodies that differ by a sentence or a byline land a few bits apart, unrelated
ones about 32 bits apart. The value is returned as a signed 64-bit integer (PostgreSQL bigint).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

SHINGLE = 3  # tokens per shingle
_TOKEN_RE = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"  # one CJK character = one token
    r"|[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"  # a run of other word characters
)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, CJK characters one by one."""
    return _TOKEN_RE.findall(unicodedata.normalize("NFKC", text).lower())


def simhash(text: str) -> int | None:
    """SimHash of ``text`` as a signed 64-bit int; None if it has no token at all."""
    words = tokens(text)
    if not words:
        return None
    if len(words) < SHINGLE:
        shingles = {" ".join(words)}
    else:  # the SHINGLE-token windows, joined by a space (zip: half the cost of slicing)
        shingles = set(map(" ".join, zip(*(words[i:] for i in range(SHINGLE)), strict=False)))
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles])
    # Counting, for each of the 64 bits, the hashes that have it set: byte i of every hash is
    # read as one big integer (a "lane"), so a bit's count is one AND and one bit_count on it,
    # all in C (4x faster than counting bytes.translate output lane by lane, as before).
    n = len(digests) // 8
    ones = int.from_bytes(b"\x01" * n, "little")  # bit 0 of every byte of a lane
    masks = [ones << bit for bit in range(8)]
    value = 0
    for byte_index in range(8):  # big-endian: byte 0 holds bits 63..56
        lane = int.from_bytes(digests[byte_index::8], "little")
        for bit, mask in enumerate(masks):
            if (lane & mask).bit_count() * 2 > n:
                value |= 1 << ((7 - byte_index) * 8 + bit)
    return value - (1 << 64) if value >= 1 << 63 else value


def distance(a: int, b: int) -> int:
    """Hamming distance of two fingerprints (signed or unsigned)."""
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()
