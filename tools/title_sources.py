"""Which of a page's declared headlines a corpus' gold title is, and how far a rule that picks
among them can go.

A page declares its headline up to six times (JSON-LD ``headline`` and ``name``, og:title,
twitter:title, ``<title>``, the first ``<h1>``); the extractor picks one (``Metadata.title``).
When a corpus' gold titles come from per-publisher parsers (the shared corpus: Fundus), the gold
takes whichever declaration each publisher's parser reads. This tool measures, on one corpus:

- how often the gold is one of the declarations at all (with the site's name removed, as the
  extractor removes it);
- on pages whose JSON-LD headline and og:title differ, which one the gold takes;
- what a rule that picks by *which declarations agree with which* could reach: fitted to the
  corpus itself (a lookup table per agreement pattern, an upper bound that memorises), and
  estimated for unseen pages by leave-one-out (each page decided by the other pages of its
  pattern; the extractor's own pick where they do not outvote it).

    PYTHONPATH=. .venv/bin/python tools/title_sources.py ../shared/corpus
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from trafilatura.utils import load_html

from crawler.extract.metadata import Metadata, _ld_str, _strip_site, _text_of
from crawler.quality.corpus import load_corpus
from crawler.quality.scoring import _norm

ROLES = ("ld_headline", "ld_name", "og_title", "twitter_title", "title_tag", "h1", "itemprop")
OURS = "extractor"


def declared_titles(html: bytes, url: str) -> tuple[dict[str, str | None], str]:
    """The page's declared headlines, normalised as the scorer compares them, and the
    extractor's pick."""
    tree = load_html(html)
    if tree is None:
        raise ValueError("not an HTML page")
    meta = Metadata(tree, url)
    site = meta._site_keys()
    itemprop = tree.xpath('//*[@itemprop="headline"]')
    raw = {
        "ld_headline": _ld_str(meta.article, "headline"),
        "ld_name": _ld_str(meta.article, "name"),
        "og_title": meta.first(("og:title",)),
        "twitter_title": meta.first(("twitter:title",)),
        "title_tag": meta.raw_title,
        "h1": meta.h1,
        "itemprop": _text_of(itemprop[0]) if itemprop else None,
    }
    return {k: _norm(_strip_site(v, site)) if v else None for k, v in raw.items()}, _norm(
        meta.title()
    )


def pattern(values: dict[str, str | None]) -> tuple[str, ...]:
    """Which declarations agree: each role names the first role with the same text."""
    return tuple(
        "-" if values[r] is None else next(o for o in ROLES if values[o] == values[r])
        for r in ROLES
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    args = parser.parse_args(argv)

    by_pattern: dict[tuple[str, ...], list[dict[str, bool]]] = defaultdict(list)
    split: Counter[str] = Counter()
    pages = ours = declared = 0
    for case in load_corpus(args.corpus):
        if not case.title or case.rejected:
            continue
        values, pick = declared_titles(case.html(), case.url)
        gold = _norm(case.title)
        hits = {r: values[r] == gold for r in ROLES}
        hits[OURS] = pick == gold
        pages += 1
        ours += hits[OURS]
        declared += any(hits[r] for r in ROLES)
        by_pattern[pattern(values)].append(hits)
        if (
            values["ld_headline"]
            and values["og_title"]
            and values["ld_headline"] != values["og_title"]
        ):
            takes = next((r for r in ("ld_headline", "og_title", "h1") if hits[r]), "other")
            split[takes] += 1

    choices = (OURS, *ROLES)
    fitted = sum(max(sum(h[r] for h in hs) for r in choices) for hs in by_pattern.values())
    unseen = 0
    for hs in by_pattern.values():
        for i, page in enumerate(hs):
            votes = Counter({r: sum(o[r] for o in hs[:i] + hs[i + 1 :]) for r in choices})
            best = max(choices, key=lambda r: votes[r])
            unseen += page[OURS] if votes[OURS] >= votes[best] else page[best]

    def share(n: int) -> str:
        return f"{n} ({n / pages:.3f})" if pages else "0"

    print(f"pages with a gold title: {pages}")
    print(f"extractor's title right: {share(ours)}")
    print(f"gold is one of the page's declared headlines: {share(declared)}")
    print(
        f"JSON-LD headline and og:title differ on {sum(split.values())} pages; the gold takes: "
        + ", ".join(f"{k} {v}" for k, v in split.most_common())
    )
    print(f"agreement patterns: {len(by_pattern)}")
    print(f"best pick per pattern, fitted to these pages (memorises): {share(fitted)}")
    print(f"the same rule on pages it was not fitted to (leave-one-out): {share(unseen)}")


if __name__ == "__main__":
    main()
