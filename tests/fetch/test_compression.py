"""Stored-page compression: zstd round trip, gzip rows from before migration 0006, damage."""

from __future__ import annotations

import gzip

import pytest
import zstandard

from crawler.fetch.compression import MAX_HTML_BYTES, CorruptPage, compress_html, decompress_html

PAGE = "<html><body><p>東京で記者会見が開かれた。</p></body></html>".encode() * 500


def test_round_trip_is_zstd_and_smaller() -> None:
    stored = compress_html(PAGE)
    assert stored[:4] == b"\x28\xb5\x2f\xfd"
    assert len(stored) < len(PAGE) / 10
    assert decompress_html(stored) == PAGE


def test_gzip_rows_from_before_0006_are_read() -> None:
    assert decompress_html(gzip.compress(PAGE, compresslevel=1)) == PAGE


@pytest.mark.parametrize(
    "damaged",
    [
        b"",  # pruned by news_maintenance: nothing to extract
        b"<html>not compressed</html>",
        compress_html(PAGE)[:-20],  # truncated zstd frame
        gzip.compress(PAGE)[:-20],  # truncated gzip stream
        b"\x28\xb5\x2f\xfd" + b"\x00" * 40,  # zstd magic, garbage after it
    ],
)
def test_damaged_values_raise_corrupt_page(damaged: bytes) -> None:
    with pytest.raises(CorruptPage):
        decompress_html(damaged)


def test_output_is_bounded() -> None:
    bomb = b"\0" * (MAX_HTML_BYTES + 1)
    with pytest.raises(CorruptPage):
        decompress_html(zstandard.ZstdCompressor(level=1).compress(bomb))
    with pytest.raises(CorruptPage):
        decompress_html(gzip.compress(bomb, compresslevel=1))


def test_threads_compressing_at_once_each_get_their_own_page_back() -> None:
    # compressors are reused per thread: pages compressed concurrently must not mix
    from concurrent.futures import ThreadPoolExecutor

    pages = [f"<html><p>page {i} ".encode() + bytes([i % 251]) * (50_000 + i) for i in range(64)]
    with ThreadPoolExecutor(8) as threads:
        stored = list(threads.map(compress_html, pages))
        back = list(threads.map(decompress_html, stored))
    assert back == pages
