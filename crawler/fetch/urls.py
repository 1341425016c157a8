"""URL canonicalisation: the one form in which every URL is stored and compared, and which URLs
may be fetched at all (http and https only)."""

from __future__ import annotations

from urllib.parse import quote_plus, unquote_to_bytes, urlsplit, urlunsplit

import courlan
from courlan.clean import TRACKERS_RE

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


def is_tracking_parameter(name: str) -> bool:
    """Whether a query parameter called ``name`` only tracks the reader (``utm_source``,
    ``fbclid``, ``mc_cid``…): courlan's list of trackers decides."""
    return TRACKERS_RE.search(name.lower()) is not None


def normalize_url(url: str) -> str:
    """Canonical form used for every stored, compared and fetched URL: scheme and host lower
    case, no default port, no fragment, no tracking parameter, the other parameters in order of
    name (courlan for the first three).

    Every parameter that is not tracking stays, whatever its name, value or encoding
    (``article.php?storyId=7``, ``story?12345``, a Shift_JIS search term): URLs that name
    different pages never share a key, or one of them would never be fetched.
    """
    try:
        parts = urlsplit(url)
        # a SplitResult, not the string: courlan would read "&sect=" in a query as an HTML entity
        base = courlan.normalize_url(parts._replace(query="", fragment=""), strict=True)
    except (ValueError, TypeError):  # e.g. an invalid IPv6 literal
        return url.split("#", 1)[0]
    query = _clean_query(parts.query)
    if not query:
        return str(base)
    scheme, netloc, path, _, _ = urlsplit(base)
    return urlunsplit((scheme, netloc, path or "/", query, ""))


def _clean_query(query: str) -> str:
    """``query`` without its tracking parameters, the others sorted by name (stably: a repeated
    name keeps its values' order), each re-encoded from its bytes as a form encodes it."""
    kept: list[tuple[bytes, str, bytes]] = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, equals, value = pair.partition("=")
        raw_name = unquote_to_bytes(name.replace("+", " "))
        if is_tracking_parameter(raw_name.decode("utf-8", "replace")):
            continue
        kept.append((raw_name, equals, unquote_to_bytes(value.replace("+", " "))))
    kept.sort(key=lambda p: p[0])
    return "&".join(quote_plus(n) + equals + quote_plus(v) for n, equals, v in kept)
