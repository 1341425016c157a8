"""URL canonicalisation: the one form in which every URL is stored and compared."""

from __future__ import annotations

import courlan


def normalize_url(url: str) -> str:
    """Canonical form used for every stored or compared URL (courlan: tracking params, case, fragment)."""
    try:
        return str(courlan.normalize_url(url, strict=True))
    except (ValueError, TypeError):
        return url.split("#", 1)[0]
