"""Labelled corpora for ``newsflow eval``: the formats read, each page as a :class:`Case`.

A corpus is a directory tree of ``<slug>.html`` + ``<slug>.json`` pairs; the page's group is the
name of its folder (``pages/ja/x.html`` → ``ja``). Two JSON schemas are read:

- ours (``tests/corpus``): ``url, language, title, body, authors, published, boilerplate`` or
  ``rejected: true`` for pages that are not articles;
- the shared dev corpus (``url, language, title, body, authors, published``, built from Fundus);
  ``published_at`` and ``without`` (golden fixture pages) are accepted as aliases.

A directory holding ``evaldata.json`` is read in trafilatura's evaluation format instead
(``tests/`` of adbar/trafilatura: ``{url: {file, with, without}}``, the HTML in ``cache/`` or
``eval/``).

A directory holding ``ground-truth.json`` and ``html/`` is read in the format of Zyte's article
extraction benchmark (AEB, github.com/scrapinghub/article-extraction-benchmark):
``{id: {articleBody, url}}``, the page in ``html/<id>.html.gz`` (gzip, UTF-8). AEB is held out:
no rule was tuned on it, so its pages only ever measure.
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled page."""

    group: str
    name: str
    html_path: Path
    url: str
    language: str | None
    title: str | None = None
    body: str = ""
    authors: tuple[str, ...] | None = None
    published: str | None = None
    boilerplate: tuple[str, ...] = ()
    rejected: bool = False
    fetched: str | None = None  # when the page was fetched (the gold's crawl_date), if known
    # trafilatura's format: strings that must (``with``) and must not (``without``) be in the text
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()
    # AEB's format: the body is scored by AEB's own shingle metric (crawler.quality.scoring)
    shingles: bool = False

    def html(self) -> bytes:
        """The page as fetched (a ``.gz`` file decompressed)."""
        data = self.html_path.read_bytes()
        return gzip.decompress(data) if self.html_path.suffix == ".gz" else data

    @property
    def snippets(self) -> bool:
        """Whether the page is scored by "with"/"without" strings instead of a gold body."""
        return bool(self.must or self.must_not)


def load_corpus(root: Path) -> list[Case]:
    """Every ``*.json`` with a sibling ``.html`` under ``root``, sorted by path; or the pages of
    ``root/evaldata.json`` (trafilatura's format), sorted by URL; or those of
    ``root/ground-truth.json`` (AEB's), sorted by id."""
    if (root / EVALDATA).is_file():
        return load_snippet_corpus(root)
    if (root / AEB_GROUND_TRUTH).is_file() and (root / "html").is_dir():
        return load_aeb_corpus(root)
    cases = []
    for jpath in sorted(root.rglob("*.json")):
        hpath = jpath.with_suffix(".html")
        if not hpath.exists():
            continue
        gold: dict[str, Any] = json.loads(jpath.read_text(encoding="utf-8"))
        if "body" not in gold and not gold.get("rejected"):
            continue  # not a labelled page (e.g. a fixture with only with/without snippets)
        authors = gold.get("authors")
        cases.append(
            Case(
                group=jpath.parent.name,
                name=jpath.stem,
                html_path=hpath,
                url=gold.get("url") or "",
                language=gold.get("language"),
                title=gold.get("title"),
                body=gold.get("body") or "",
                authors=tuple(authors) if isinstance(authors, list) else None,
                published=gold.get("published", gold.get("published_at")),
                boilerplate=tuple(gold.get("boilerplate", gold.get("without", ()))),
                rejected=bool(gold.get("rejected")),
                fetched=gold.get("crawl_date"),
            )
        )
    return cases


EVALDATA = "evaldata.json"
# Where trafilatura's evaluation looks for a page's file, in order.
_EVALDATA_DIRS = ("cache", "eval")


def load_snippet_corpus(root: Path) -> list[Case]:
    """trafilatura's evaluation set: ``root/evaldata.json`` and the HTML in ``root/cache`` or
    ``root/eval`` (pages whose file is missing are skipped, with a warning)."""
    data: dict[str, dict[str, Any]] = json.loads((root / EVALDATA).read_text(encoding="utf-8"))
    cases = []
    for url in sorted(data):
        item = data[url]
        path = next((p for d in _EVALDATA_DIRS if (p := root / d / item["file"]).is_file()), None)
        if path is None:
            LOGGER.warning("%s: file %s not found under %s", url, item["file"], root)
            continue
        cases.append(
            Case(
                group=root.name,
                name=item["file"],
                html_path=path,
                url=url,
                language=None,
                must=tuple(item.get("with") or ()),
                must_not=tuple(item.get("without") or ()),
            )
        )
    return cases


AEB_GROUND_TRUTH = "ground-truth.json"


def load_aeb_corpus(root: Path) -> list[Case]:
    """AEB: ``root/ground-truth.json`` and each page in ``root/html/<id>.html.gz`` (pages whose
    file is missing are skipped, with a warning)."""
    data: dict[str, dict[str, Any]] = json.loads(
        (root / AEB_GROUND_TRUTH).read_text(encoding="utf-8")
    )
    cases = []
    for page_id in sorted(data):
        path = root / "html" / f"{page_id}.html.gz"
        if not path.is_file():
            LOGGER.warning("%s: %s not found", page_id, path)
            continue
        cases.append(
            Case(
                group=root.name,
                name=page_id,
                html_path=path,
                url=data[page_id].get("url") or "",
                language=None,
                body=data[page_id].get("articleBody") or "",
                shingles=True,
            )
        )
    return cases
