"""The sources file for the bundled demo site, written for the port it is served on."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

DEMO_SOURCE_NAME = "demo-daily"
DISCOVERY_KEYS = ("feeds", "sitemaps", "start_urls")


def demo_sources(
    base_url: str, discovery: Iterable[str] = DISCOVERY_KEYS, **extra: object
) -> dict[str, object]:
    """A sources document with one source for the demo site, discovering through ``discovery``
    (any of ``feeds``, ``sitemaps``, ``start_urls``); ``extra`` adds or overrides source keys."""
    host = base_url.split("//", 1)[1].split(":", 1)[0].split("/", 1)[0]
    entry: dict[str, object] = {
        "name": DEMO_SOURCE_NAME,
        "language": "en",
        "allowed_domains": [host],
        "feeds": [f"{base_url}/feed.xml", f"{base_url}/atom.xml"],
        "sitemaps": [f"{base_url}/sitemap_index.xml"],
        "start_urls": [f"{base_url}/index.html", f"{base_url}/section/world/index.html"],
        "article_url_pattern": r"/news/\d{4}/\d{2}/\d{2}/",
        "download_delay": 0,
        "allow_private_networks": True,  # the demo site is served on 127.0.0.1
    }
    entry.update(extra)
    wanted = set(discovery)
    for key in DISCOVERY_KEYS:
        if key not in wanted:
            del entry[key]
    return {"sources": [entry]}


def write_demo_sources(
    base_url: str, path: Path, discovery: Iterable[str] = DISCOVERY_KEYS, **extra: object
) -> Path:
    """Write :func:`demo_sources` to ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = demo_sources(base_url, discovery, **extra)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path
