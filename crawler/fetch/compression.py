"""Compression of stored raw pages (``raw_pages.html_compressed``).

Pages are stored as zstd frames (level 1: about 3x faster than gzip level 1 and 13 % smaller on
news HTML). Rows written before migration 0006 hold gzip; :func:`decompress_html` tells the two
apart by their magic numbers, so they stay readable. An empty value means the HTML was pruned by
``news_maintenance``.
"""

from __future__ import annotations

import threading
import zlib

import zstandard

ZSTD_LEVEL = 1
MAX_HTML_BYTES = 64 * 1024 * 1024  # far above DOWNLOAD_MAXSIZE: a bound, never a real page
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_GZIP_MAGIC = b"\x1f\x8b"


# One compressor and decompressor per thread, reused: creating their contexts costs about a third
# of compressing a 130 KB page. (They are not safe to share between threads.)
_codecs = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    compressor: zstandard.ZstdCompressor | None = getattr(_codecs, "compressor", None)
    if compressor is None:
        compressor = _codecs.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    return compressor


def _decompressor() -> zstandard.ZstdDecompressor:
    decompressor: zstandard.ZstdDecompressor | None = getattr(_codecs, "decompressor", None)
    if decompressor is None:
        decompressor = _codecs.decompressor = zstandard.ZstdDecompressor()
    return decompressor


class CorruptPage(ValueError):
    """Stored bytes that are neither a zstd nor a gzip stream, or are damaged."""


def compress_html(body: bytes) -> bytes:
    """A zstd frame of ``body`` (its size is recorded in the frame header)."""
    return _compressor().compress(body)


def decompress_html(data: bytes) -> bytes:
    """The page stored as ``data`` (zstd, or gzip from before 0006); raises :class:`CorruptPage`."""
    try:
        if data.startswith(_ZSTD_MAGIC):
            # max_output_size bounds only frames without a recorded size: check the record too
            if zstandard.frame_content_size(data) > MAX_HTML_BYTES:
                raise CorruptPage("page over the size bound")
            return _decompressor().decompress(data, max_output_size=MAX_HTML_BYTES)
        if data.startswith(_GZIP_MAGIC):
            # a bounded gzip read: wbits=31 expects the gzip header and trailer
            inflater = zlib.decompressobj(wbits=31)
            html = inflater.decompress(data, MAX_HTML_BYTES)
            if not inflater.eof:
                raise CorruptPage("truncated gzip stream or page over the size bound")
            return html
    except (zstandard.ZstdError, zlib.error) as exc:
        raise CorruptPage(str(exc)) from exc
    raise CorruptPage(f"unknown format (starts with {data[:4].hex() or 'nothing'})")
