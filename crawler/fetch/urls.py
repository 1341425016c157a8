"""URL canonicalisation: the one form in which every URL is stored and compared, and which URLs
may be fetched at all (http and https only)."""

from __future__ import annotations

from urllib.parse import urlsplit

import courlan

WEB_SCHEMES = ("http", "https")  # the only download handlers on (crawler/fetch/settings.py)


def is_http_url(url: str) -> bool:
    """True for an http(s) URL with a host: never file:, data:, ftp:, s3: or a scheme-less path."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)
    except ValueError:  # e.g. an invalid IPv6 literal or port
        return False


# Longest URL stored (in UTF-8 bytes): a btree index entry holds at most ~2,700 bytes, and a longer
# URL is no page a reader is sent to. A longer canonical link is ignored (the fetched URL is used
# instead); a longer article URL is not fetched and counts as a crawl error (``url_too_long``).
MAX_URL_LENGTH = 2048


def url_too_long(url: str) -> bool:
    """Whether ``url`` is over :data:`MAX_URL_LENGTH` and so must not be stored."""
    return len(url.encode("utf-8")) > MAX_URL_LENGTH


def normalize_url(url: str) -> str:
    """Canonical form used for every stored or compared URL (courlan: tracking params, case, fragment)."""
    try:
        return str(courlan.normalize_url(url, strict=True))
    except (ValueError, TypeError):
        return url.split("#", 1)[0]
