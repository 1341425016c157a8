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


def normalize_url(url: str) -> str:
    """Canonical form used for every stored or compared URL (courlan: tracking params, case, fragment)."""
    try:
        return str(courlan.normalize_url(url, strict=True))
    except (ValueError, TypeError):
        return url.split("#", 1)[0]
