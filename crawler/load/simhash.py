"""64-bit SimHash of an article body, for near-duplicate detection (syndicated copies).

Tokens are words, except in Chinese, Japanese (kana and kanji) and Korean Hanja, where every
character is a token (no spaces to split on: :func:`crawler.extract.text.word_tokens`); shingles
are 3 consecutive tokens. Bodies that differ by a sentence or a byline land a few bits apart,
unrelated ones about 32 bits apart. The value is returned as a signed 64-bit integer (PostgreSQL
bigint).

Version 2 (:data:`VERSION`) hashes every distinct *token* once with BLAKE2b into three 64-bit
values, one per position in a shingle, and a shingle's hash is the XOR of its tokens' values for
their positions (simple tabulation hashing: 3-independent, enough for SimHash). The XOR runs on
all shingles at once, as big integers in C, so the cost is the tokenizer's plus a dictionary
lookup per token: half the CPU of version 1, which hashed every shingle string with BLAKE2b.
Fingerprints of two versions cannot be compared: a new version comes with a migration that clears
the stored ones, and ``newsflow db migrate`` recomputes them from the stored bodies
(:func:`crawler.db.migrate.fill_missing_fingerprints`).
"""

from __future__ import annotations

import hashlib
import unicodedata
from array import array

from crawler.extract.text import word_tokens

VERSION = 2  # of the fingerprint's definition; see the module docstring before changing it
SHINGLE = 3  # tokens per shingle
_PERSON = b"newsflow-sh2"  # BLAKE2b personalisation: these hashes are ours alone
# token -> its three 64-bit position hashes (24 bytes). Bounded, and emptied when full: news
# vocabulary is Zipfian, so a worker's few thousand common words are found again at once.
_TOKEN_HASHES: dict[str, bytes] = {}
_MAX_CACHED_TOKENS = 50_000


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, Han and kana characters one by one."""
    return word_tokens(unicodedata.normalize("NFKC", text).lower())


def _token_hashes(token: str) -> bytes:
    value = hashlib.blake2b(token.encode("utf-8"), digest_size=24, person=_PERSON).digest()
    if len(_TOKEN_HASHES) >= _MAX_CACHED_TOKENS:
        _TOKEN_HASHES.clear()
    _TOKEN_HASHES[token] = value
    return value


def simhash(text: str) -> int | None:
    """SimHash of ``text`` as a signed 64-bit int; None if it has no token at all."""
    words = tokens(text)
    if not words:
        return None
    cached = _TOKEN_HASHES.get
    # 24 bytes per token position: its hash as a shingle's 1st, 2nd and 3rd token. (The 8-byte
    # views below only move bytes around: the value does not depend on the machine's byte order.)
    table = memoryview(b"".join([cached(w) or _token_hashes(w) for w in words])).cast("Q")
    shingles = max(1, len(words) - SHINGLE + 1)  # a text shorter than a shingle is one shingle
    combined = 0
    for position in range(min(SHINGLE, len(words))):
        # the hashes for `position` of the tokens at position..position+shingles-1, contiguous
        start = position * SHINGLE + position
        column = table[start : start + shingles * SHINGLE : SHINGLE].tobytes()
        combined ^= int.from_bytes(column, "little")
    hashes = combined.to_bytes(8 * shingles, "little")
    # each distinct shingle counts once (a repeated line must not outweigh the rest)
    digests = array("Q", set(memoryview(hashes).cast("Q"))).tobytes()
    # Counting, for each of the 64 bits, the hashes that have it set: byte i of every hash is
    # read as one big integer (a "lane"), so a bit's count is one AND and one bit_count on it.
    n = len(digests) // 8
    ones = int.from_bytes(b"\x01" * n, "little")  # bit 0 of every byte of a lane
    masks = [ones << bit for bit in range(8)]
    value = 0
    for byte_index in range(8):  # little-endian: byte i holds bits 8i..8i+7
        lane = int.from_bytes(digests[byte_index::8], "little")
        for bit, mask in enumerate(masks):
            if (lane & mask).bit_count() * 2 > n:
                value |= 1 << (byte_index * 8 + bit)
    return value - (1 << 64) if value >= 1 << 63 else value


def distance(a: int, b: int) -> int:
    """Hamming distance of two fingerprints (signed or unsigned)."""
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()
